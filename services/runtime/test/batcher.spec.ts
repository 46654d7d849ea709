import { Batcher } from '../src/delivery';

jest.setTimeout(30_000);

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Batcher', () => {
  it('hands over full batches at once and a partial batch after the batch wait', async () => {
    const batches: { items: number[]; at: number }[] = [];
    const start = Date.now();
    const batcher = new Batcher<number>({
      batchSize: 3,
      batchWaitMs: 150,
      maxInFlightBatches: 4,
      onBatch: async (items) => void batches.push({ items, at: Date.now() - start }),
      onError: () => undefined,
    });
    for (let i = 1; i <= 7; i++) batcher.push(i);
    expect(batches.map((b) => b.items)).toEqual([[1, 2, 3], [4, 5, 6]]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(batches).toHaveLength(2);
    await batcher.whenIdle(1000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(batches.map((b) => b.items)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(batches[2].at).toBeGreaterThanOrEqual(140);
  });

  it('limits batches in flight and makes pull drivers wait for room (bounded memory)', async () => {
    const gates: ReturnType<typeof deferred>[] = [];
    const started: number[][] = [];
    const batcher = new Batcher<number>({
      batchSize: 2,
      batchWaitMs: 10_000,
      maxInFlightBatches: 1,
      onBatch: async (items) => {
        started.push(items);
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
      },
      onError: () => undefined,
    });
    expect(batcher.capacity).toBe(4);
    [1, 2, 3, 4].forEach((n) => batcher.push(n));
    expect(started).toEqual([[1, 2]]);
    expect(batcher.size).toBe(4);
    expect(batcher.room).toBe(0);
    let roomFreed = false;
    const waiting = batcher.waitForRoom(2).then(() => (roomFreed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(roomFreed).toBe(false);
    gates[0].resolve();
    await waiting;
    expect(started).toEqual([[1, 2], [3, 4]]);
    expect(batcher.room).toBe(2);
    gates[1].resolve();
    expect(await batcher.whenIdle(1000)).toBe(true);
  });

  it('gives back buffered items and reports a stuck handler on whenIdle', async () => {
    const never = new Promise<void>(() => undefined);
    const errors: unknown[] = [];
    const batcher = new Batcher<string>({
      batchSize: 2,
      batchWaitMs: 10_000,
      maxInFlightBatches: 1,
      onBatch: (items) => (items[0] === 'boom' ? Promise.reject(new Error('handler broke')) : never),
      onError: (error) => errors.push(error),
    });
    batcher.push('boom');
    batcher.push('x');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(errors).toEqual([new Error('handler broke')]);
    ['a', 'b', 'c'].forEach((s) => batcher.push(s));
    expect(batcher.takeBuffered((s) => s !== 'a')).toEqual(['c']);
    expect(await batcher.whenIdle(50)).toBe(false);
  });

  it('rejects a Batch Size below 1 with the value it got', () => {
    expect(() => new Batcher({ batchSize: 0, batchWaitMs: 1, maxInFlightBatches: 1, onBatch: async () => undefined, onError: () => undefined })).toThrow(
      'Batch Size must be a whole number of at least 1 (got 0)',
    );
  });
});
