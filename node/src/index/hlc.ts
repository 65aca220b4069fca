import type { Hlc, NodeId } from '../gossip/frames';
import type { Clock } from '../time/clock';

/**
 * Total order on versions: wall time, then counter, then node id. The node id only breaks
 * ties between distinct nodes that stamped the same (wall, counter), so every node picks the
 * same winner for a key without coordination.
 */
export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

/**
 * A hybrid logical clock (Kulkarni et al.): stamps stay close to wall time, never go
 * backwards, and are always later than any stamp this node has observed. That last property
 * is what makes "last writer wins" respect causality: a delete issued after seeing a write
 * always beats it, whatever the two wall clocks say.
 */
export class HybridClock {
  private wall = 0;
  private counter = 0;
  /** Remote stamps refused because they were too far ahead of our wall clock. */
  rejectedDrift = 0;

  constructor(
    readonly node: NodeId,
    private readonly clock: Clock,
    private readonly maxDriftMs = 60_000,
  ) {}

  now(): Hlc {
    const physical = this.clock.now();
    if (physical > this.wall) {
      this.wall = physical;
      this.counter = 0;
    } else {
      // The wall clock stalled or stepped back: keep the old wall time and count instead.
      this.counter++;
    }
    return { wall: this.wall, counter: this.counter, node: this.node };
  }

  /**
   * Moves the clock past a stamp seen from a peer, so our next stamp orders after it.
   * Returns false, without moving, when the stamp is more than maxDriftMs ahead of our wall
   * clock: one peer with a broken clock must not drag every node's stamps into the future
   * (after which no node could write a version that wins against it for a long time).
   */
  observe(remote: Hlc): boolean {
    if (remote.wall > this.clock.now() + this.maxDriftMs) {
      this.rejectedDrift++;
      return false;
    }
    if (remote.wall > this.wall || (remote.wall === this.wall && remote.counter > this.counter)) {
      this.wall = remote.wall;
      this.counter = remote.counter;
    }
    return true;
  }
}
