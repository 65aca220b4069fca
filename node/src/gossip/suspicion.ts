import type { Clock, TimerHandle } from '../time/clock';
import type { NodeId } from './frames';

/**
 * Lifeguard's timeout: starts at max and falls logarithmically to min as independent
 * confirmations arrive, so that one node's bad link cannot kill a peer quickly but a real
 * death, seen by everyone, is declared fast.
 */
export function suspicionTimeoutMs(confirmations: number, k: number, minMs: number, maxMs: number): number {
  if (k < 1) return minMs;
  const frac = Math.log(confirmations + 1) / Math.log(k + 1);
  return Math.max(minMs, Math.floor(maxMs - frac * (maxMs - minMs)));
}

export interface SuspicionOptions {
  /** Who raised the suspicion; it does not count as a confirmation of itself. */
  from: NodeId;
  /** Confirmations that bring the timeout down to `minMs`. */
  k: number;
  minMs: number;
  maxMs: number;
  clock: Clock;
  /** Called once when the timeout runs out, with the number of confirmations seen. */
  onTimeout: (confirmations: number) => void;
}

/** One suspicion of one node (memberlist's suspicion.go). Fires at most once. */
export class Suspicion {
  private readonly seen = new Set<NodeId>();
  private readonly startedAt: number;
  private confirmationCount = 0;
  private handle: TimerHandle | undefined;
  private done = false;

  constructor(private readonly opts: SuspicionOptions) {
    this.seen.add(opts.from);
    this.startedAt = opts.clock.now();
    this.arm(this.timeoutMs());
  }

  get confirmations(): number {
    return this.confirmationCount;
  }

  /** Current total timeout, measured from when the suspicion started. */
  timeoutMs(): number {
    const { k, minMs, maxMs } = this.opts;
    return suspicionTimeoutMs(this.confirmationCount, k, minMs, maxMs);
  }

  remainingMs(): number {
    if (this.done) return 0;
    return Math.max(0, this.startedAt + this.timeoutMs() - this.opts.clock.now());
  }

  /**
   * Records an independent confirmation. Returns true when it was new (the caller then
   * re-gossips it); repeats, the originator and confirmations beyond k return false.
   */
  confirm(from: NodeId): boolean {
    if (this.done || this.confirmationCount >= this.opts.k || this.seen.has(from)) return false;
    this.seen.add(from);
    this.confirmationCount++;
    this.arm(this.remainingMs());
    return true;
  }

  cancel(): void {
    this.done = true;
    if (this.handle !== undefined) this.opts.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(ms: number): void {
    if (this.handle !== undefined) this.opts.clock.clearTimeout(this.handle);
    // Even an already-expired timeout fires through the clock, never inside confirm(),
    // so the caller is not re-entered while it is applying an update.
    this.handle = this.opts.clock.setTimeout(() => {
      if (this.done) return;
      this.done = true;
      this.handle = undefined;
      this.opts.onTimeout(this.confirmationCount);
    }, ms);
  }
}
