/**
 * A promise-chain mutex: callers run one at a time in arrival order. Booking is
 * read-check-write over one in-memory state, so without this two requests could both see the
 * last seat free across an `await` and both take it.
 */
export interface Mutex {
  run<T>(task: () => Promise<T> | T): Promise<T>;
}

export function createMutex(): Mutex {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T> | T): Promise<T> {
      const result = tail.then(task);
      // A failed task must not poison the queue for the next caller.
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
