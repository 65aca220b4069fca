/**
 * Waits for `needed` successes that agree (same `key`) among `attempts` (W of N): resolves
 * with that group as soon as it is big enough, rejects as soon as no group can get there.
 * Attempts still running when it settles keep running; their outcome is the caller's to watch.
 */
export function quorum<T>(attempts: ReadonlyArray<Promise<T>>, needed: number, key: (value: T) => string | undefined): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const groups = new Map<string, T[]>();
    const failures: unknown[] = [];
    let pending = attempts.length;
    let settled = false;
    const largest = () => Math.max(0, ...[...groups.values()].map((g) => g.length));
    const check = () => {
      for (const group of groups.values()) {
        if (group.length >= needed) {
          settled = true;
          resolve(group.slice());
          return;
        }
      }
      if (largest() + pending < needed) {
        settled = true;
        reject(new QuorumError(needed, largest(), failures));
      }
    };
    for (const attempt of attempts) {
      attempt.then(
        (value) => {
          pending--;
          if (settled) return;
          const k = key(value);
          if (k === undefined) failures.push(new Error('rejected result'));
          else groups.set(k, [...(groups.get(k) ?? []), value]);
          check();
        },
        (error: unknown) => {
          pending--;
          if (settled) return;
          failures.push(error);
          check();
        },
      );
    }
    check();
  });
}

export class QuorumError extends Error {
  constructor(
    readonly needed: number,
    readonly achieved: number,
    readonly failures: unknown[],
  ) {
    super(`needed ${needed} agreeing replicas, ${achieved} succeeded`);
  }
}
