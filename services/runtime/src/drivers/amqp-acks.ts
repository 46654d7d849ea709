/** What the tracker needs of an amqplib channel: acks by delivery tag, one or "all up to". */
export type AckChannel = { ack(message: { fields: { deliveryTag: number } }, allUpTo?: boolean): void };

type State = 'pending' | 'ack' | 'delayed' | 'gone';
type Entry = { tag: number; state: State; done?: { resolve: () => void; reject: (error: unknown) => void } };

/**
 * Coalesces the acks of one AMQP channel. Every delivery is tracked in delivery-tag order (RabbitMQ
 * numbers a channel's deliveries 1, 2, 3...). Acks asked for in the same tick are sent at the end of
 * it, and a run of them that starts at the oldest unsettled delivery goes as ONE `basic.ack` with
 * `multiple` (a batch of 100 is one frame, not 100 frames and 100 socket writes). A multiple-ack
 * covers every unsettled tag up to it, so it never passes a delivery that is still being handled
 * (`pending`) or held unacked for a delayed requeue (`delayed`):
 * - acks behind a pending delivery wait for it (acking in delivery order; the batches ahead are
 *   being recorded and settle soon),
 * - acks behind a delayed delivery (held for seconds) are sent one by one at once.
 * Nacks, dead-letters and requeues are sent by the caller directly and reported with `settled`.
 * `ack` resolves once the frame is handed to the channel; it rejects when the channel is lost first.
 */
export class AckTracker {
  private entries: Entry[] = [];
  private head = 0;
  private readonly byTag = new Map<number, Entry>();
  private delayed = 0;
  private flushQueued = false;
  private closedWith: Error | undefined;

  constructor(private readonly channel: AckChannel) {}

  /** Deliveries not yet settled (tracked). */
  get size(): number {
    return this.byTag.size;
  }

  /** Called for each delivery, in arrival order. */
  delivered(tag: number): void {
    const entry: Entry = { tag, state: 'pending' };
    this.entries.push(entry);
    this.byTag.set(tag, entry);
  }

  /** Asks for an ack; it is sent at the end of this tick, together with the others asked meanwhile. */
  ack(tag: number): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const entry = this.byTag.get(tag);
    if (!entry || entry.state !== 'pending') {
      // Not tracked (should not happen): ack it alone.
      this.channel.ack({ fields: { deliveryTag: tag } }, false);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      entry.state = 'ack';
      entry.done = { resolve, reject };
      if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(() => {
          this.flushQueued = false;
          this.flush();
        });
      }
    });
  }

  /** The delivery is held unacked for a delayed requeue: later acks must not cover it. */
  holding(tag: number): void {
    const entry = this.byTag.get(tag);
    if (!entry || entry.state !== 'pending') return;
    entry.state = 'delayed';
    this.delayed++;
    // Acks waiting behind it must not wait for the delay.
    this.flush();
  }

  /** The delivery was settled by the caller (nack, requeue, or a dead-letter's own ack). */
  settled(tag: number): void {
    const entry = this.byTag.get(tag);
    if (!entry) return;
    if (entry.state === 'delayed') this.delayed--;
    this.remove(entry);
    this.flush();
  }

  /** Sends every ack asked for now, one by one where a multiple-ack would cover others (on stop). */
  flushAll(): void {
    this.flush();
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry.state === 'ack') this.sendOne(entry);
    }
  }

  /** The channel is gone: acks not sent fail (the broker redelivers those messages). */
  close(error: Error): void {
    this.closedWith = error;
    for (const entry of this.byTag.values()) {
      if (entry.state === 'ack') entry.done?.reject(error);
    }
    this.byTag.clear();
    this.entries = [];
    this.head = 0;
  }

  private flush(): void {
    if (this.closedWith) return;
    this.skipGone();
    // The run of acks at the front: one multiple-ack.
    let last: Entry | undefined;
    const run: Entry[] = [];
    while (this.head < this.entries.length && this.entries[this.head].state === 'ack') {
      last = this.entries[this.head++];
      run.push(last);
      this.skipGone();
    }
    if (last) {
      try {
        this.channel.ack({ fields: { deliveryTag: last.tag } }, run.length > 1);
        for (const entry of run) {
          this.byTag.delete(entry.tag);
          entry.state = 'gone';
          entry.done?.resolve();
        }
      } catch (error) {
        for (const entry of run) {
          this.byTag.delete(entry.tag);
          entry.state = 'gone';
          entry.done?.reject(error);
        }
      }
    }
    if (this.delayed > 0) {
      // Behind a delivery held for a delayed requeue: ack one by one now.
      let behindDelayed = false;
      for (let i = this.head; i < this.entries.length; i++) {
        const entry = this.entries[i];
        if (entry.state === 'delayed') behindDelayed = true;
        else if (entry.state === 'ack' && behindDelayed) this.sendOne(entry);
      }
    }
    this.compact();
  }

  private sendOne(entry: Entry): void {
    try {
      this.channel.ack({ fields: { deliveryTag: entry.tag } }, false);
      entry.done?.resolve();
    } catch (error) {
      entry.done?.reject(error);
    }
    this.remove(entry);
  }

  private remove(entry: Entry): void {
    entry.state = 'gone';
    this.byTag.delete(entry.tag);
  }

  private skipGone(): void {
    while (this.head < this.entries.length && this.entries[this.head].state === 'gone') this.head++;
  }

  private compact(): void {
    this.skipGone();
    const length = this.entries.length - this.head;
    if (this.head > 1024 || length > 2 * this.byTag.size + 1024) {
      this.entries = this.entries.slice(this.head).filter((entry) => entry.state !== 'gone');
      this.head = 0;
    }
  }
}
