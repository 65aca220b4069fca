/**
 * A rate over the last `windowMs` from a counter that only grows: samples of (time, total),
 * the oldest dropped as they leave the window. Reading it costs O(samples in the window).
 */
export class RateWindow {
  private samples: Array<{ at: number; total: number }> = [];

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  observe(total: number): void {
    const at = this.now();
    const last = this.samples.at(-1);
    // A counter that went back (a new layout reset it) starts the window over.
    if (last && total < last.total) this.samples = [];
    if (last && at - last.at < 200 && total >= last.total) {
      last.total = total;
      last.at = at;
    } else {
      this.samples.push({ at, total });
    }
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMs) this.samples.shift();
  }

  perSecond(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at === first.at) return 0;
    return Math.round(((last.total - first.total) * 1000 * 10) / (last.at - first.at)) / 10;
  }
}
