import type { NodeId } from './frames';

interface LinkEstimate {
  srtt: number;
  rttvar: number;
}

// RFC 6298 gains: the mean reacts within ~8 samples, the deviation within ~4.
const ALPHA = 1 / 8;
const BETA = 1 / 4;

/**
 * Per-peer smoothed round trip (RFC 6298 SRTT / RTTVAR) from ping → ack times. The probe
 * timeout follows the link, so a 230 ms WAN link and a 1 ms LAN link each get a timeout that
 * fits them, instead of one number that is either too slow for one or too tight for the other.
 */
export class RttEstimator {
  private readonly links = new Map<NodeId, LinkEstimate>();

  constructor(private readonly bounds: { minTimeoutMs: number; maxTimeoutMs: number }) {}

  sample(peer: NodeId, rttMs: number): void {
    if (!Number.isFinite(rttMs) || rttMs < 0) return;
    const link = this.links.get(peer);
    if (!link) {
      this.links.set(peer, { srtt: rttMs, rttvar: rttMs / 2 });
      return;
    }
    // RTTVAR first, with the old SRTT, as the RFC orders it.
    link.rttvar = (1 - BETA) * link.rttvar + BETA * Math.abs(link.srtt - rttMs);
    link.srtt = (1 - ALPHA) * link.srtt + ALPHA * rttMs;
  }

  /** Smoothed round trip, or undefined before the first sample. */
  rttMs(peer: NodeId): number | undefined {
    return this.links.get(peer)?.srtt;
  }

  /** clamp(SRTT + 4·RTTVAR, min, max); the maximum until the link has been measured. */
  timeoutMs(peer: NodeId): number {
    const { minTimeoutMs, maxTimeoutMs } = this.bounds;
    const link = this.links.get(peer);
    if (!link) return maxTimeoutMs;
    return Math.min(maxTimeoutMs, Math.max(minTimeoutMs, link.srtt + 4 * link.rttvar));
  }

  forget(peer: NodeId): void {
    this.links.delete(peer);
  }
}
