import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { untilAborted } from './untilAborted';

describe('untilAborted', () => {
  it('settles as the promise does and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 100; i++) await expect(untilAborted(Promise.resolve(i), controller.signal)).resolves.toBe(i);
    await expect(untilAborted(Promise.reject(new Error('read failed')), controller.signal)).rejects.toThrow('read failed');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the reason as soon as the signal aborts, the promise still pending', async () => {
    const controller = new AbortController();
    const waiting = untilAborted(new Promise<never>(() => undefined), controller.signal);
    controller.abort(new Error('a holder failed'));
    await expect(waiting).rejects.toThrow('a holder failed');
  });

  it('rejects at once on a signal already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(untilAborted(Promise.resolve(1), controller.signal)).rejects.toThrow('stopped');
  });
});
