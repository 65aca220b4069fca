import type { Clock } from '../time/clock';
import type { Random } from '../time/random';
import type { NodeId } from '../gossip/frames';

/** Properties of the simulated network link from this node to one peer (one way). */
export interface LinkProfile {
  delayMs: number;
  jitterMs: number;
  lossPercent: number;
}

export const NO_DELAY: LinkProfile = { delayMs: 0, jitterMs: 0, lossPercent: 0 };

/** Faults injected at run time (POST /v1/faults). */
export interface LinkFaults {
  /** Peers this node can neither reach nor hear (both directions). */
  partitionedFrom: NodeId[];
  /** Overrides the configured loss on every outgoing link when set. */
  lossPercent: number | null;
  /** A paused node drops everything in and out, like a frozen process seen from outside. */
  paused: boolean;
  /** When the node heals itself (ms since the epoch); null when nothing is injected. */
  expiresAt: number | null;
}

export type LinkFaultsPatch = Partial<LinkFaults>;

export const NO_FAULTS: LinkFaults = { partitionedFrom: [], lossPercent: null, paused: false, expiresAt: null };

export function hasFaults(faults: LinkFaults): boolean {
  return faults.paused || faults.lossPercent !== null || faults.partitionedFrom.length > 0;
}

/**
 * Every byte between two nodes passes through here: delay and jitter from the region's link
 * profile, random loss, and injected partitions and pauses. Delay is applied by the sender,
 * so a round trip costs both one-way delays, as on a real WAN.
 */
export class LinkSimulator {
  private state: LinkFaults = { ...NO_FAULTS, partitionedFrom: [] };
  private readonly listeners = new Set<(faults: LinkFaults) => void>();

  constructor(
    private readonly opts: {
      self: NodeId;
      linkTo: (peer: NodeId) => LinkProfile;
      clock: Clock;
      random: Random;
    },
  ) {}

  faults(): LinkFaults {
    return { ...this.state, partitionedFrom: [...this.state.partitionedFrom] };
  }

  setFaults(patch: LinkFaultsPatch): LinkFaults {
    this.state = {
      partitionedFrom: patch.partitionedFrom ? [...new Set(patch.partitionedFrom)] : this.state.partitionedFrom,
      lossPercent: patch.lossPercent !== undefined ? patch.lossPercent : this.state.lossPercent,
      paused: patch.paused ?? this.state.paused,
      expiresAt: patch.expiresAt !== undefined ? patch.expiresAt : this.state.expiresAt,
    };
    if (!hasFaults(this.state)) this.state.expiresAt = null;
    const snapshot = this.faults();
    for (const listener of this.listeners) listener(snapshot);
    return snapshot;
  }

  clearFaults(): LinkFaults {
    return this.setFaults({ ...NO_FAULTS, partitionedFrom: [] });
  }

  onFaultsChange(listener: (faults: LinkFaults) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The configured profile of the link to `peer`, with the loss override applied. */
  profile(peer: NodeId): LinkProfile {
    const base = this.opts.linkTo(peer);
    return this.state.lossPercent === null ? base : { ...base, lossPercent: this.state.lossPercent };
  }

  /** True when nothing at all can pass between this node and `peer` right now. */
  isCut(peer: NodeId): boolean {
    return this.state.paused || this.state.partitionedFrom.includes(peer);
  }

  /** Whether a frame from `peer` may be delivered to this node. */
  allowsInbound(peer: NodeId): boolean {
    return !this.isCut(peer);
  }

  /** One-way delay for the next unit sent to `peer`: the base delay plus uniform jitter. */
  sampleDelay(peer: NodeId): number {
    const { delayMs, jitterMs } = this.profile(peer);
    if (jitterMs <= 0) return delayMs;
    return Math.max(0, delayMs + (this.opts.random() * 2 - 1) * jitterMs);
  }

  /**
   * Sends one datagram: drops it when the link is cut or the loss roll says so, otherwise calls
   * `deliver` after the sampled delay. Returns false when it was dropped.
   */
  sendDatagram(peer: NodeId, deliver: () => void): boolean {
    if (this.isCut(peer)) return false;
    const { lossPercent } = this.profile(peer);
    if (lossPercent > 0 && this.opts.random() * 100 < lossPercent) return false;
    const delay = this.sampleDelay(peer);
    if (delay <= 0) deliver();
    else this.opts.clock.setTimeout(deliver, delay);
    return true;
  }
}
