/**
 * One promise-chain mutex per key: tasks of a key run one at a time in arrival order, tasks of
 * different keys run freely. A tree change is check-then-write across an await (the commit),
 * so two requests of one user could otherwise both find a name free and both take it.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    // A failed task must not poison the queue for the next caller.
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
