import { AppError } from '../errors';

/**
 * At most `concurrency` image decodings at once on this gateway; the rest wait, and a free
 * slot goes to the waiting user served longest ago, so that one user's folder of 500 photos
 * (a grid asks for every thumbnail near the screen, six at a time per browser tab) never holds
 * another user's thumbnail behind it. A user may have `perUser` running or waiting at most
 * (429 beyond), and all users together `maxWaiting` waiting (503 beyond): memory stays bounded.
 */
export class GenerationQueue {
  #running = 0;
  #waiting = 0;
  /** User → their waiting tasks' starters, oldest first. */
  readonly #waiters = new Map<string, Array<() => void>>();
  /** User → their tasks running or waiting; a user leaves every map when it drops to 0. */
  readonly #inFlight = new Map<string, number>();
  /** User → when (a counter) a task of theirs last started: the least recent goes next. */
  readonly #lastStart = new Map<string, number>();
  #starts = 0;

  constructor(
    readonly concurrency: number,
    readonly perUser: number,
    readonly maxWaiting: number,
  ) {}

  async run<T>(user: string, task: () => Promise<T>): Promise<T> {
    const mine = this.#inFlight.get(user) ?? 0;
    if (mine >= this.perUser) {
      throw new AppError('rate_limited', `You have ${this.perUser} previews being made; try again in a moment.`, { 'Retry-After': '1' });
    }
    const mustWait = this.#running >= this.concurrency;
    if (mustWait && this.#waiting >= this.maxWaiting) throw new AppError('unavailable', 'Previews are busy; try again shortly.', { 'Retry-After': '2' });
    this.#inFlight.set(user, mine + 1);
    try {
      if (mustWait) {
        await new Promise<void>((resolve) => {
          const list = this.#waiters.get(user) ?? [];
          list.push(resolve);
          this.#waiters.set(user, list);
          this.#waiting += 1;
        });
      } else {
        this.#running += 1;
        this.#lastStart.set(user, ++this.#starts);
      }
      try {
        return await task();
      } finally {
        this.#dispatch();
      }
    } finally {
      const left = (this.#inFlight.get(user) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(user, left);
      else {
        this.#inFlight.delete(user);
        this.#lastStart.delete(user);
      }
    }
  }

  /** A slot is free: it passes to the waiting user served longest ago, or is given back. */
  #dispatch(): void {
    let next: string | undefined;
    for (const user of this.#waiters.keys()) {
      if (next === undefined || (this.#lastStart.get(user) ?? 0) < (this.#lastStart.get(next) ?? 0)) next = user;
    }
    if (next === undefined) {
      this.#running -= 1;
      return;
    }
    const list = this.#waiters.get(next)!;
    const start = list.shift()!;
    if (list.length === 0) this.#waiters.delete(next);
    this.#waiting -= 1;
    this.#lastStart.set(next, ++this.#starts);
    start();
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting;
  }
}
