import type { Clock, TimerHandle } from './clock';

interface PendingTimer {
  id: number;
  at: number;
  order: number;
  fn: () => void;
}

/**
 * A deterministic clock: time moves only when `advance` or `runUntil` is called, and timers
 * fire in (time, creation order). Used by unit tests and the 1,000-node simulation.
 */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private order = 0;
  private timers = new Map<number, PendingTimer>();
  // A binary heap would be faster; a sorted insert keeps the code obvious and is fast enough
  // for the simulation's timer counts (tens of thousands pending at most).
  private queue: PendingTimer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: PendingTimer = {
      id: this.nextId++,
      at: this.current + Math.max(0, ms),
      order: this.order++,
      fn,
    };
    this.timers.set(timer.id, timer);
    this.insert(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id: number }).id;
    const timer = this.timers.get(id);
    if (!timer) return;
    this.timers.delete(id);
    const index = this.queue.indexOf(timer);
    if (index >= 0) this.queue.splice(index, 1);
  }

  /** Number of timers not yet fired or cleared. */
  pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  advance(ms: number): void {
    this.runUntil(this.current + ms);
  }

  /** Fires timers due up to `time` (including timers they schedule within the window). */
  runUntil(time: number): void {
    for (;;) {
      const next = this.queue[0];
      if (!next || next.at > time) break;
      this.queue.shift();
      this.timers.delete(next.id);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = Math.max(this.current, time);
  }

  /**
   * Advances in steps until `condition` holds or `limitMs` of fake time has passed.
   * Returns the fake time it took, or undefined when the limit was reached first.
   */
  advanceUntil(condition: () => boolean, limitMs: number, stepMs = 1): number | undefined {
    const start = this.current;
    while (!condition()) {
      if (this.current - start >= limitMs) return undefined;
      this.advance(stepMs);
    }
    return this.current - start;
  }

  private insert(timer: PendingTimer): void {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.queue[mid]!;
      if (other.at < timer.at || (other.at === timer.at && other.order < timer.order)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, timer);
  }
}
