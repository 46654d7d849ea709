/** Statements in progress at once by default (each holds a pool connection). */
const MAX_CONCURRENT = 2;
/** Most items in one statement by default. */
const MAX_GROUP = 500;

/**
 * Group commit: items added while `maxConcurrent` writes are in progress wait and go together in
 * the next `write` (one statement and one WAL flush for many, instead of one each). `write`
 * settles its items itself; it must not throw.
 */
export class GroupCommit<T> {
  private pending: T[] = [];
  private inProgress = 0;

  constructor(
    private readonly write: (group: T[]) => Promise<void>,
    private readonly maxConcurrent = MAX_CONCURRENT,
    private readonly maxGroup = MAX_GROUP,
  ) {}

  add(item: T): void {
    this.pending.push(item);
    this.kick();
  }

  /** Puts items back at the front: they go in the next group (called from inside `write`). */
  requeue(items: T[]): void {
    this.pending.unshift(...items);
  }

  private kick(): void {
    while (this.inProgress < this.maxConcurrent && this.pending.length > 0) {
      const group = this.pending.splice(0, this.maxGroup);
      this.inProgress++;
      void this.write(group).finally(() => {
        this.inProgress--;
        this.kick();
      });
    }
  }
}

/**
 * Runs `write` over all items; if it fails, over each item alone, so one item PostgreSQL refuses
 * (e.g. a \u0000 in its JSON) fails only itself: `failed` gets that item and its error. Returns
 * what the successful writes handed back.
 */
export async function eachAloneOnFailure<T, R>(items: T[], write: (part: T[]) => Promise<R[]>, failed: (item: T, error: unknown) => void): Promise<R[]> {
  if (items.length === 0) return [];
  try {
    return await write(items);
  } catch (error) {
    if (items.length === 1) {
      failed(items[0], error);
      return [];
    }
    const parts = await Promise.all(
      items.map(async (item) => {
        try {
          return await write([item]);
        } catch (single) {
          failed(item, single);
          return [];
        }
      }),
    );
    return parts.flat();
  }
}
