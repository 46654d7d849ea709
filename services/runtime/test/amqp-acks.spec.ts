import { AckTracker } from '../src/drivers/amqp-acks';

function tracker() {
  const sent: Array<[number, boolean]> = [];
  const acks = new AckTracker({ ack: (message, allUpTo) => sent.push([message.fields.deliveryTag, allUpTo ?? false]) });
  return { acks, sent };
}

describe('AckTracker (coalesced AMQP acks)', () => {
  it('acks a batch asked for in one tick with one multiple-ack', async () => {
    const { acks, sent } = tracker();
    for (let tag = 1; tag <= 100; tag++) acks.delivered(tag);
    await Promise.all(Array.from({ length: 100 }, (_, i) => acks.ack(i + 1)));
    expect(sent).toEqual([[100, true]]);
    expect(acks.size).toBe(0);
  });

  it('never covers a delivery still being handled: a later batch waits, then both go in order', async () => {
    const { acks, sent } = tracker();
    for (let tag = 1; tag <= 6; tag++) acks.delivered(tag);
    let laterDone = false;
    const later = Promise.all([acks.ack(4), acks.ack(5), acks.ack(6)]).then(() => (laterDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([]);
    expect(laterDone).toBe(false);
    await Promise.all([acks.ack(1), acks.ack(2), acks.ack(3)]);
    await later;
    expect(sent).toEqual([[6, true]]);
  });

  it('acks one by one behind a message held for a delayed requeue, and behind a nacked one multiple-acks', async () => {
    const { acks, sent } = tracker();
    for (let tag = 1; tag <= 5; tag++) acks.delivered(tag);
    acks.holding(2);
    await Promise.all([acks.ack(1), acks.ack(3), acks.ack(4)]);
    expect(sent).toEqual([[1, false], [3, false], [4, false]]);
    acks.settled(2); // requeued after its delay
    await acks.ack(5);
    expect(sent).toEqual([[1, false], [3, false], [4, false], [5, false]]);
    expect(acks.size).toBe(0);

    const next = tracker();
    for (let tag = 1; tag <= 4; tag++) next.acks.delivered(tag);
    next.acks.settled(2); // nacked or dead-lettered: settled on the broker already
    await Promise.all([next.acks.ack(1), next.acks.ack(3), next.acks.ack(4)]);
    expect(next.sent).toEqual([[4, true]]);
  });

  it('flushAll sends waiting acks one by one; close fails the acks not sent', async () => {
    const { acks, sent } = tracker();
    for (let tag = 1; tag <= 3; tag++) acks.delivered(tag);
    const waiting = acks.ack(3);
    await new Promise((resolve) => setImmediate(resolve));
    acks.flushAll();
    await waiting;
    expect(sent).toEqual([[3, false]]);

    const other = tracker();
    for (let tag = 1; tag <= 2; tag++) other.acks.delivered(tag);
    const lost = other.acks.ack(2);
    other.acks.close(new Error('connection lost'));
    await expect(lost).rejects.toThrow('connection lost');
    await expect(other.acks.ack(1)).rejects.toThrow('connection lost');
    expect(other.sent).toEqual([]);
  });
});
