/**
 * Waits for `needed` successes among `attempts` (W of N): resolves with the successes as soon
 * as there are enough, rejects as soon as there can no longer be. Attempts still running when
 * it settles keep running; their outcome is the caller's to watch.
 */
export function quorum<T>(attempts: ReadonlyArray<Promise<T>>, needed: number, accept: (value: T) => boolean): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const successes: T[] = [];
    const failures: unknown[] = [];
    let settled = false;
    if (attempts.length < needed) {
      reject(new QuorumError(needed, 0, []));
      return;
    }
    for (const attempt of attempts) {
      attempt.then(
        (value) => {
          if (settled) return;
          if (accept(value)) successes.push(value);
          else failures.push(new Error('rejected result'));
          check();
        },
        (error: unknown) => {
          if (settled) return;
          failures.push(error);
          check();
        },
      );
    }
    function check() {
      if (successes.length >= needed) {
        settled = true;
        resolve(successes.slice());
      } else if (attempts.length - failures.length < needed) {
        settled = true;
        reject(new QuorumError(needed, successes.length, failures));
      }
    }
  });
}

export class QuorumError extends Error {
  constructor(
    readonly needed: number,
    readonly achieved: number,
    readonly failures: unknown[],
  ) {
    super(`needed ${needed} replicas, ${achieved} succeeded`);
  }
}
