import type { Clock } from '../time/clock';
import type { MemberUpdate, NodeId } from './frames';
import type { LeaveResult } from './membershipTypes';

export interface LeaveAnnouncementDeps {
  clock: Clock;
  /** Sends the update to a peer; `onAck` runs when that peer acknowledged it. */
  notify: (peer: NodeId, updates: MemberUpdate[], onAck: () => void) => void;
  /** False once the membership stopped: the announcement ends with what it has. */
  running: () => boolean;
  /** How often the peers that have not acknowledged yet are asked again. */
  resendMs: number;
  /** How long to wait for them all. */
  timeoutMs: number;
}

/**
 * Tells each of `peers` that this node leaves (`update`, our own `dead`, recorded by them as
 * `left`) until every one acknowledged it or `timeoutMs` passed. Every frame may be lost, so
 * the peers still silent are asked again every `resendMs`.
 */
export function announceLeave(peers: readonly NodeId[], update: MemberUpdate, deps: LeaveAnnouncementDeps): Promise<LeaveResult> {
  const unacknowledged = new Set(peers);
  const acknowledgedBy: NodeId[] = [];
  return new Promise<LeaveResult>((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      resolve({ acknowledgedBy, unacknowledged: [...unacknowledged] });
    };
    const round = () => {
      if (finished) return;
      if (unacknowledged.size === 0 || !deps.running()) return finish();
      for (const peer of unacknowledged) {
        deps.notify(peer, [update], () => {
          if (!unacknowledged.delete(peer)) return;
          acknowledgedBy.push(peer);
          if (unacknowledged.size === 0) finish();
        });
      }
      deps.clock.setTimeout(round, deps.resendMs);
    };
    round();
    deps.clock.setTimeout(finish, deps.timeoutMs);
  });
}
