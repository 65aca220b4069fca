// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope } from 'vue';
import { useCountdown } from './useCountdown';

describe('useCountdown', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('counts whole seconds down to zero and stops', () => {
    const { remaining, running, start } = useCountdown();
    start(60);
    expect(remaining.value).toBe(60);
    vi.advanceTimersByTime(1000);
    expect(remaining.value).toBe(59);
    vi.advanceTimersByTime(58_500);
    expect(remaining.value).toBe(1);
    vi.advanceTimersByTime(600);
    expect(remaining.value).toBe(0);
    expect(running.value).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('restarts from the new value', () => {
    const { remaining, start } = useCountdown();
    start(60);
    vi.advanceTimersByTime(30_000);
    start(10);
    expect(remaining.value).toBe(10);
  });

  it('stops its timer when the owning scope ends', () => {
    const scope = effectScope();
    scope.run(() => useCountdown().start(60));
    expect(vi.getTimerCount()).toBe(1);
    scope.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
