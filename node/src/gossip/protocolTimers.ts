import type { Clock, TimerHandle } from '../time/clock';
import type { Random } from '../time/random';

/**
 * The protocol's timers on an injected clock: periodic tasks with a random phase (nodes started
 * together do not tick in lockstep) and one-shot timers, none of which runs once stopped. A
 * one-shot timer is not cleared at stop: it only finds the protocol stopped, which spares a
 * clearTimeout on every probe and suspicion.
 */
export class ProtocolTimers {
  private readonly periodic: TimerHandle[] = [];
  private active = false;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  get running(): boolean {
    return this.active;
  }

  start(): void {
    this.active = true;
  }

  stop(): void {
    this.active = false;
    for (const t of this.periodic.splice(0)) this.clock.clearTimeout(t);
  }

  /** A one-shot timer that does nothing once stopped. */
  after(ms: number, fn: () => void): void {
    this.clock.setTimeout(() => {
      if (this.active) fn();
    }, ms);
  }

  /** A periodic task; `onLate` hears how much later than asked each tick ran. */
  loop(fn: () => void, periodMs: () => number, onLate?: (lateMs: number) => void): void {
    const slot = this.periodic.length;
    const schedule = (ms: number) => {
      const due = this.clock.now() + ms;
      this.periodic[slot] = this.clock.setTimeout(() => {
        if (!this.active) return;
        onLate?.(this.clock.now() - due);
        schedule(periodMs());
        fn();
      }, ms);
    };
    schedule(Math.floor(this.random() * periodMs()));
  }
}
