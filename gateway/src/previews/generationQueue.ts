import { AppError } from '../errors';

/**
 * At most `concurrency` image decodings at once on this gateway, the rest waiting in arrival
 * order. One user may have at most `perUser` of them running or waiting (a folder of 500
 * photos asks for 500 thumbnails: the browser's lazy loading keeps that near the screen, and
 * the cap keeps one user's folder from holding every other user's thumbnail in line).
 */
export class GenerationQueue {
  #running = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #perUser = new Map<string, number>();

  constructor(
    readonly concurrency: number,
    readonly perUser: number,
    readonly maxWaiting: number,
  ) {}

  async run<T>(user: string, task: () => Promise<T>): Promise<T> {
    const mine = this.#perUser.get(user) ?? 0;
    if (mine >= this.perUser) {
      throw new AppError('rate_limited', `You have ${this.perUser} previews being made; try again in a moment.`, { 'Retry-After': '1' });
    }
    if (this.#running >= this.concurrency && this.#waiting.length >= this.maxWaiting) {
      throw new AppError('unavailable', 'Previews are busy; try again shortly.', { 'Retry-After': '2' });
    }
    this.#perUser.set(user, mine + 1);
    try {
      if (this.#running >= this.concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
      else this.#running += 1;
      try {
        return await task();
      } finally {
        // The slot passes straight to the next in line, or is given back.
        const next = this.#waiting.shift();
        if (next) next();
        else this.#running -= 1;
      }
    } finally {
      const left = (this.#perUser.get(user) ?? 1) - 1;
      if (left > 0) this.#perUser.set(user, left);
      else this.#perUser.delete(user);
    }
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }
}
