/**
 * Speed and time left of a transfer, from (time, bytes) samples over a sliding window: the
 * last seconds say more about the link than the average since the start, and a pause or a
 * retry does not drag the figure down for ever. Pure: the caller passes the clock.
 */
export class TransferRate {
  private samples: Array<{ at: number; bytes: number }> = [];

  constructor(private readonly windowMs = 5_000) {}

  /** Records that `bytes` in total had moved at `at` (ms). Fewer bytes than before = a restart. */
  sample(at: number, bytes: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && bytes < last.bytes) this.samples = [];
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && this.samples[0]!.at < at - this.windowMs) this.samples.shift();
  }

  /** Forgets the history (after a pause: the time paused is not slowness). */
  reset(): void {
    this.samples = [];
  }

  /** Bytes a second over the window; null until there is a second sample a little apart. */
  bytesPerSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < 250) return null;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  /** Seconds until `total` bytes at the current speed; null when unknown or stalled. */
  secondsLeft(total: number): number | null {
    const speed = this.bytesPerSecond();
    const last = this.samples[this.samples.length - 1];
    if (speed === null || speed <= 0 || !last) return null;
    return Math.max(0, (total - last.bytes) / speed);
  }
}

/** "12 s", "3 min", "1 h 5 min": how long is left, as people say it. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}
