import { describe, expect, it } from 'vitest';
import { createMutex } from './mutex';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('createMutex', () => {
  it('never lets two tasks interleave across an await', async () => {
    const mutex = createMutex();
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        mutex.run(async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          await tick();
          order.push(i);
          inside -= 1;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('keeps going after a task fails', async () => {
    const mutex = createMutex();
    await expect(mutex.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(mutex.run(() => 42)).resolves.toBe(42);
  });
});
