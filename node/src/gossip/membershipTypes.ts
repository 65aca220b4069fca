import type { Logger } from 'pino';
import type { Clock } from '../time/clock';
import type { Random } from '../time/random';
import type { MemberState, MembershipFrame, NodeId } from './frames';
import type { SwimConfig } from './swimConfig';

/** What the membership (membership.ts) takes and shows: its options, and its members as the status page sees them. */
export interface MemberView {
  id: NodeId;
  state: MemberState;
  incarnation: number;
  /** Smoothed round trip of the link, null for self or before the first sample. */
  rttMs: number | null;
  stateSince: number;
}
export interface MemberChange {
  node: NodeId;
  from: MemberState | undefined;
  to: MemberState;
  incarnation: number;
}
/** How a graceful leave went: the peers that acknowledged it before we stopped waiting. */
export interface LeaveResult {
  acknowledgedBy: NodeId[];
  unacknowledged: NodeId[];
}

/** Lifeguard's local health, for the status page. */
export interface LocalHealth {
  score: number;
  /** Timeouts and the probe period are stretched by score + 1, at most this. */
  maxMultiplier: number;
}

export interface MembershipOptions {
  self: NodeId;
  /** Configured peers: alive at incarnation 0 until they speak, so they are probed at once. */
  seeds: readonly NodeId[];
  /** The persisted incarnation + 1, so a restarted node outranks what others remember. */
  incarnation: number;
  config: SwimConfig;
  clock: Clock;
  random: Random;
  send: (to: NodeId, frame: MembershipFrame) => void;
  logger: Logger;
}
