/**
 * `work`, or `timeout()` as the rejection once the wall-clock `deadline` (ms since the epoch)
 * passes first. A value `work` gives after that goes to `onLate` (e.g. to give a pooled channel
 * back); a late failure is dropped.
 */
export function withDeadline<T>(work: Promise<T>, deadline: number, timeout: () => Error, onLate?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      reject(timeout());
    }, Math.max(0, deadline - Date.now()));
    work.then(
      (value) => {
        clearTimeout(timer);
        if (expired) onLate?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!expired) reject(error);
      },
    );
  });
}
