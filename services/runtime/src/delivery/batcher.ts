export type BatcherOptions<T> = {
  batchSize: number;
  /** A partial batch is handed over this long after its first item arrived. */
  batchWaitMs: number;
  /** Batches being handled at once; further full batches wait (and pull drivers stop receiving). */
  maxInFlightBatches: number;
  onBatch: (items: T[]) => Promise<void>;
  /** onBatch must not throw; if it does anyway, the error lands here instead of crashing the process. */
  onError: (error: unknown, items: T[]) => void;
};

type Waiter = { room: number; resolve: () => void };

/**
 * Groups items into batches of up to `batchSize`, handing a partial batch over after
 * `batchWaitMs`. Holds at most `capacity` items (buffered + in flight): pull drivers wait for
 * room before receiving, push drivers size their prefetch to `capacity`.
 */
export class Batcher<T> {
  readonly capacity: number;
  private current: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly ready: T[][] = [];
  private inFlightBatches = 0;
  private inFlightItems = 0;
  private readonly running = new Set<Promise<void>>();
  private roomWaiters: Waiter[] = [];

  constructor(private readonly options: BatcherOptions<T>) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(`Batch Size must be a whole number of at least 1 (got ${options.batchSize})`);
    }
    if (!Number.isInteger(options.maxInFlightBatches) || options.maxInFlightBatches < 1) {
      throw new RangeError(`maxInFlightBatches must be a whole number of at least 1 (got ${options.maxInFlightBatches})`);
    }
    // One batch may fill while the in-flight ones are being handled.
    this.capacity = options.batchSize * (options.maxInFlightBatches + 1);
  }

  /** Items held: filling, waiting for a handler slot, or being handled. */
  get size(): number {
    return this.current.length + this.ready.reduce((n, b) => n + b.length, 0) + this.inFlightItems;
  }

  get room(): number {
    return Math.max(0, this.capacity - this.size);
  }

  push(item: T): void {
    this.current.push(item);
    if (this.current.length === 1 && this.options.batchSize > 1) {
      this.timer = setTimeout(() => this.seal(), this.options.batchWaitMs);
    }
    if (this.current.length >= this.options.batchSize) this.seal();
  }

  /** Resolves once at least `min` items fit (pull drivers call this before each receive). */
  waitForRoom(min = 1): Promise<void> {
    if (this.room >= min) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push({ room: min, resolve }));
  }

  /** Hands the filling batch over now instead of after the batch wait. */
  flush(): void {
    this.seal();
  }

  /** Removes items not yet handed to a handler (on stop, or when their channel is gone). */
  takeBuffered(predicate: (item: T) => boolean = () => true): T[] {
    const taken: T[] = [];
    const keep = (items: T[]) =>
      items.filter((item) => {
        if (predicate(item)) {
          taken.push(item);
          return false;
        }
        return true;
      });
    this.current = keep(this.current);
    if (this.current.length === 0) this.clearTimer();
    for (let i = this.ready.length - 1; i >= 0; i--) {
      const rest = keep(this.ready[i]);
      if (rest.length === 0) this.ready.splice(i, 1);
      else this.ready[i] = rest;
    }
    this.wakeRoomWaiters();
    return taken;
  }

  /** Waits until every handed-over batch has been handled, or the timeout passes. Returns true when idle. */
  async whenIdle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0 || this.ready.length > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.running]),
        new Promise((resolve) => (timeout = setTimeout(resolve, left))),
      ]);
      clearTimeout(timeout);
    }
    return true;
  }

  /** Releases callers blocked in waitForRoom (on stop). */
  releaseWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  private seal(): void {
    this.clearTimer();
    if (this.current.length === 0) return;
    this.ready.push(this.current);
    this.current = [];
    this.dispatch();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private dispatch(): void {
    while (this.inFlightBatches < this.options.maxInFlightBatches && this.ready.length > 0) {
      const batch = this.ready.shift()!;
      this.inFlightBatches++;
      this.inFlightItems += batch.length;
      const run = (async () => {
        try {
          await this.options.onBatch(batch);
        } catch (error) {
          this.options.onError(error, batch);
        }
      })();
      this.running.add(run);
      void run.finally(() => {
        this.running.delete(run);
        this.inFlightBatches--;
        this.inFlightItems -= batch.length;
        this.dispatch();
        this.wakeRoomWaiters();
      });
    }
  }

  private wakeRoomWaiters(): void {
    if (this.roomWaiters.length === 0) return;
    const room = this.room;
    const still: Waiter[] = [];
    for (const waiter of this.roomWaiters) {
      if (room >= waiter.room) waiter.resolve();
      else still.push(waiter);
    }
    this.roomWaiters = still;
  }
}
