import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

const RESOLUTION_MS = 10;

/** Event-loop delay over the last complete window: what a request or a SWIM ack waited at most. */
export interface EventLoopDelay {
  /** When the window ended (ISO 8601). */
  at: string;
  windowSeconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Samples how late the event loop runs (perf_hooks, 10 ms resolution) and keeps the figures
 * of the last full window, so `/v1/status` shows a stall that just happened rather than an
 * average since start. A stalled loop is a bug here (DESIGN §3): peers would suspect us.
 */
export class EventLoopMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private readonly timer: NodeJS.Timeout;
  private last: EventLoopDelay;

  constructor(private readonly windowMs = 10_000) {
    this.histogram.enable();
    this.last = this.read();
    this.timer = setInterval(() => {
      this.last = this.read();
      this.histogram.reset();
    }, windowMs);
    this.timer.unref();
  }

  get lastWindow(): EventLoopDelay {
    return this.last;
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private read(): EventLoopDelay {
    // Each sample is the whole interval between two ticks: the lateness is what exceeds the resolution.
    const ms = (ns: number) => (Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1e4) / 100 - RESOLUTION_MS) : 0);
    return {
      at: new Date().toISOString(),
      windowSeconds: this.windowMs / 1000,
      p50Ms: ms(this.histogram.percentile(50)),
      p99Ms: ms(this.histogram.percentile(99)),
      maxMs: ms(this.histogram.max),
    };
  }
}
