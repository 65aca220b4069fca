import type { NodeId } from '../gossip/frames';

/** Signatures allow ±60 s (SIGNATURE_WINDOW_MS); a peer off by more than this is worth a warning long before that. */
export const CLOCK_SKEW_WARN_MS = 10_000;

/**
 * How far `peer`'s clock is ahead of ours (negative: behind), from one request/answer pair:
 * its time stamped on the answer, against our clock at the midpoint of the round trip (NTP's
 * offset with the two server times taken as one). Off by at most half the round trip.
 */
export function estimateClockSkew(sentAt: number, receivedAt: number, peerTime: number): number {
  return Math.round(peerTime - (sentAt + receivedAt) / 2);
}

/** Parses the peer's time header; undefined when absent or not a plausible ms timestamp. */
export function parsePeerTime(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value)) return undefined;
  const time = Number(value);
  return Number.isSafeInteger(time) ? time : undefined;
}

export interface PeerClockSkew {
  skewMs: number;
  /** When it was measured (our ms since the epoch). */
  at: number;
}

/** The last skew measured at each peer's handshake. */
export class ClockSkewTable {
  private readonly byPeer = new Map<NodeId, PeerClockSkew>();

  record(peer: NodeId, skewMs: number, at: number): void {
    this.byPeer.set(peer, { skewMs, at });
  }

  skewMs(peer: NodeId): number | null {
    return this.byPeer.get(peer)?.skewMs ?? null;
  }

  /** Peers whose last measured skew exceeds `CLOCK_SKEW_WARN_MS` either way. */
  skewedPeers(): NodeId[] {
    return [...this.byPeer].filter(([, s]) => Math.abs(s.skewMs) > CLOCK_SKEW_WARN_MS).map(([peer]) => peer).sort();
  }
}
