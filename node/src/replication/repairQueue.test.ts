import { describe, expect, it } from 'vitest';
import { RepairQueue } from './repairQueue';
import { settle } from './testPace';

/** A job that runs until the test lets it finish. */
interface Gate {
  key: string;
  release: () => void;
}

function gatedQueue(concurrency: number, maxWaiting = 1000) {
  const started: string[] = [];
  const open: Gate[] = [];
  let active = 0;
  let maxActive = 0;
  const queue = new RepairQueue<string>({
    concurrency,
    maxWaiting,
    run: (key) =>
      new Promise<void>((resolve) => {
        started.push(key);
        active++;
        maxActive = Math.max(maxActive, active);
        open.push({
          key,
          release: () => {
            active--;
            resolve();
          },
        });
      }),
  });
  const releaseAll = async () => {
    while (open.length > 0) {
      for (const gate of open.splice(0)) gate.release();
      await settle();
    }
  };
  return { queue, started, open, releaseAll, maxActive: () => maxActive };
}

describe('RepairQueue', () => {
  it('runs the files with the fewest stored copies first, then in the order they came in', async () => {
    const { queue, started, releaseAll } = gatedQueue(1);
    for (const [key, copies] of [['a', 2], ['b', 0], ['c', 1], ['d', 0], ['e', 2], ['f', 1]] as const) queue.push(key, copies, key);
    await settle();
    await releaseAll();
    expect(started).toEqual(['b', 'd', 'c', 'f', 'a', 'e']);
    await queue.whenIdle();
  });

  it('puts a file with fewer copies that comes in late ahead of those already waiting', async () => {
    const { queue, started, open, releaseAll } = gatedQueue(2);
    for (let i = 0; i < 6; i++) queue.push(`two-${i}`, 2, `two-${i}`);
    await settle();
    expect(started).toEqual(['two-0', 'two-1']);
    queue.push('one', 1, 'one');
    queue.push('none', 0, 'none');
    open.shift()!.release();
    await settle();
    expect(started.at(-1)).toBe('none');
    open.shift()!.release();
    await settle();
    expect(started.at(-1)).toBe('one');
    await releaseAll();
    expect(started.slice(4)).toEqual(['two-2', 'two-3', 'two-4', 'two-5']);
  });

  it('runs up to its concurrency at once, and every job', async () => {
    const { queue, started, open, releaseAll, maxActive } = gatedQueue(12);
    for (let i = 0; i < 100; i++) queue.push(`f${i}`, i % 3, `f${i}`);
    await settle();
    expect(open.length).toBe(12);
    await releaseAll();
    await queue.whenIdle();
    expect(new Set(started).size).toBe(100);
    expect(maxActive()).toBe(12);
  });

  it('takes the latest count of a waiting file, and runs a file pushed while it runs once more afterwards, never twice at once', async () => {
    const { queue, started, open, releaseAll, maxActive } = gatedQueue(2);
    queue.push('x', 0, 'x');
    queue.push('blocker', 0, 'blocker');
    queue.push('late', 2, 'late');
    queue.push('early', 2, 'early');
    await settle();
    expect(started).toEqual(['x', 'blocker']);
    // 'late' now has one copy fewer: it goes before 'early'.
    expect(queue.push('late', 1, 'late')).toBe('updated');
    expect(queue.push('x', 0, 'x')).toBe('again');
    expect(queue.push('x', 0, 'x')).toBe('again');
    open.find((g) => g.key === 'x')!.release();
    await settle();
    expect(started).toEqual(['x', 'blocker', 'x']);
    await releaseAll();
    expect(started).toEqual(['x', 'blocker', 'x', 'late', 'early']);
    expect(maxActive()).toBe(2);
  });

  it('refuses jobs beyond maxWaiting, and says when there is room again', async () => {
    const { queue, open, releaseAll } = gatedQueue(1, 3);
    queue.push('a', 0, 'a');
    await settle();
    for (const key of ['b', 'c', 'd']) expect(queue.push(key, 0, key)).toBe('queued');
    await settle();
    expect(open.length).toBe(1);
    expect(queue.size).toBe(3);
    expect(queue.push('e', 0, 'e')).toBe('full');
    let room = false;
    void queue.whenRoom().then(() => (room = true));
    await settle();
    expect(room).toBe(false);
    open.shift()!.release();
    await settle();
    expect(room).toBe(true);
    await releaseAll();
  });

  it('goes on after a job fails, and forgets waiting jobs on clear', async () => {
    const ran: string[] = [];
    const queue = new RepairQueue<string>({
      concurrency: 1,
      maxWaiting: 10,
      run: async (key) => {
        ran.push(key);
        if (key === 'bad') throw new Error('peer gone');
      },
    });
    queue.push('bad', 0, 'bad');
    queue.push('good', 1, 'good');
    await queue.whenIdle();
    expect(ran).toEqual(['bad', 'good']);
    queue.push('dropped', 0, 'dropped');
    queue.clear();
    await queue.whenIdle();
    await settle();
    expect(ran).toEqual(['bad', 'good']);
  });
});
