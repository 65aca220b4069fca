import type { Logger } from 'pino';
import { DEFAULT_FAULT_SECONDS, type FaultsRequest } from '../api/faults';
import type { Clock, TimerHandle } from '../time/clock';
import { hasFaults, type LinkFaults, type LinkSimulator } from './linkSimulator';

/**
 * Applies POST /v1/faults to this node's links and heals them when their time is up. The
 * node keeps the timer itself, so a fault outlives neither its time limit nor a gateway that
 * went away after injecting it.
 */
export class FaultInjector {
  private timer: TimerHandle | undefined;

  constructor(
    private readonly links: LinkSimulator,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  apply(request: FaultsRequest): LinkFaults {
    if (request.clear) this.links.clearFaults();
    const { clear: _clear, durationSeconds = DEFAULT_FAULT_SECONDS, ...patch } = request;
    const expiresAt = this.clock.now() + durationSeconds * 1000;
    const faults = this.links.setFaults({ ...patch, expiresAt });
    this.disarm();
    if (hasFaults(faults)) this.timer = this.clock.setTimeout(() => this.expire(), durationSeconds * 1000);
    return faults;
  }

  close(): void {
    this.disarm();
  }

  private expire(): void {
    this.timer = undefined;
    this.links.clearFaults();
    this.logger.warn('injected faults reached their time limit; links healed');
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
