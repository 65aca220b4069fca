import type { Digest, Hlc, NodeId } from '../gossip/frames';
import { compareHlc } from '../index/hlc';

/**
 * The newest stamp every member has seen every op up to (DESIGN §5: ops at or before it are
 * compacted), from the members' digests alone. Let S_x be the seq of origin x's facts that every
 * member holds (the least over their digests).
 *
 * - Ops that exist: an origin stamps its facts from one monotonic clock, inside the commit that
 *   numbers them, so its facts numbered past S_x are stamped after V_x, the stamp of its fact
 *   S_x (or of the newest stored one below it). An origin every member has caught up with (S_x
 *   reaches what its own digest says it has written) has nothing held back; one that some
 *   member lags behind bounds the point at V_x.
 * - Ops to come: every member has seen, for every origin x, the fact at V_x (its digest covers
 *   S_x), and a hybrid clock moves past every stamp it observes; so whatever any member writes
 *   next is stamped after W, the greatest V_x.
 *
 * The point is the least of W and the V_x of lagging origins. A member with no digest known
 * holds it back (null): compaction waits for a partition to heal, as the paper's does.
 *
 * `stampAt(origin, seq)` is the stamp of the newest stored fact of `origin` numbered at or
 * below `seq`, or undefined.
 */
export function stablePoint(members: readonly NodeId[], digests: ReadonlyMap<NodeId, Digest | undefined>, stampAt: (origin: NodeId, seq: number) => Hlc | undefined): Hlc | null {
  for (const member of members) if (!digests.get(member)) return null;
  let lagging: Hlc | null = null;
  let newest: Hlc | null = null;
  for (const origin of members) {
    const held = Math.min(...members.map((member) => digests.get(member)![origin] ?? 0));
    const written = digests.get(origin)![origin] ?? 0;
    const stamp = held > 0 ? stampAt(origin, held) : undefined;
    if (held < written) {
      // Some member lacks facts of this origin; without a stored stamp there is no bound.
      if (!stamp) return null;
      if (lagging === null || compareHlc(stamp, lagging) < 0) lagging = stamp;
    }
    if (stamp && (newest === null || compareHlc(stamp, newest) > 0)) newest = stamp;
  }
  if (newest === null) return null;
  return lagging !== null && compareHlc(lagging, newest) < 0 ? lagging : newest;
}
