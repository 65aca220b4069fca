import type { Clock, TimerHandle } from '../time/clock';

/**
 * A node whose event loop is slow, for the simulation: its timers fire late by `timerLagMs()`
 * and (see SwimCluster) the frames it receives wait `inboundDelayMs()` before it reads them,
 * as on a process starved of CPU or stuck behind long tasks. Time itself (now) is true time.
 */
export interface Slowness {
  timerLagMs: () => number;
  inboundDelayMs: () => number;
}

export class SlowClock implements Clock {
  constructor(
    private readonly base: Clock,
    private readonly slowness: Slowness,
  ) {}

  now(): number {
    return this.base.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.base.setTimeout(fn, ms + Math.max(0, this.slowness.timerLagMs()));
  }

  clearTimeout(handle: TimerHandle): void {
    this.base.clearTimeout(handle);
  }

  /** Runs `fn` once the slow loop gets round to an inbound frame. */
  deliver(fn: () => void): void {
    this.base.setTimeout(fn, Math.max(0, this.slowness.inboundDelayMs()));
  }
}

/**
 * Slowness that comes and goes, as a real event loop's does (a long task, a GC storm, a noisy
 * neighbour): healthy spells of `healthyMs`, then slow spells of `slowMs` during which frames
 * wait `inboundMs` and timers run `timerLagMs` late (each a [min, max] range). A node that is
 * slow all the time is not the hard case: SWIM's per-link RTT estimate absorbs it.
 */
export function episodicSlowness(
  clock: Clock,
  random: () => number,
  opts: { healthyMs: [number, number]; slowMs: [number, number]; inboundMs: [number, number]; timerLagMs: [number, number] },
): Slowness {
  const between = ([lo, hi]: [number, number]) => lo + random() * (hi - lo);
  let slowFrom = clock.now() + between(opts.healthyMs);
  let slowUntil = slowFrom + between(opts.slowMs);
  const slowNow = (): boolean => {
    const now = clock.now();
    while (now >= slowUntil) {
      slowFrom = slowUntil + between(opts.healthyMs);
      slowUntil = slowFrom + between(opts.slowMs);
    }
    return now >= slowFrom;
  };
  return {
    timerLagMs: () => (slowNow() ? between(opts.timerLagMs) : 0),
    inboundDelayMs: () => (slowNow() ? between(opts.inboundMs) : 0),
  };
}
