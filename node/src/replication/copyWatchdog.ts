import type { Writable } from 'node:stream';
import type { NodeId } from '../gossip/frames';
import type { Clock, TimerHandle } from '../time/clock';

export interface WatchedCopy {
  node: NodeId;
  /** The fan-out branch feeding this copy: full and not draining means the node stopped reading. */
  branch: Writable;
  /** Stops the copy (its request and its branch); undefined for this node's own write. */
  drop?: (reason: string) => void;
  state: 'running' | 'stored' | 'failed';
}

/**
 * One frozen region must not hold every upload up (DESIGN §6): the fan-out runs at the pace of
 * its slowest branch, and a copy whose peer stopped reading, or that SWIM no longer holds
 * alive, is dropped as long as `writeQuorum` copies are still going. Repair finishes it later.
 * The watchdog keeps watching after the quorum answered, so a copy that never settles is cut
 * too instead of holding a socket and a temp file for ever.
 */
export class CopyWatchdog {
  private timer: TimerHandle | undefined;
  /** When each copy was last seen taking bytes (its branch not full). */
  private readonly lastProgress = new Map<NodeId, number>();

  constructor(
    private readonly copies: readonly WatchedCopy[],
    private readonly opts: {
      /** Copies (stored or still running) that must remain after a drop: W. */
      keep: number;
      stallMs: number;
      isAlive(node: NodeId): boolean;
      clock: Clock;
      onDrop(node: NodeId, reason: string): void;
    },
  ) {
    for (const copy of copies) this.lastProgress.set(copy.node, opts.clock.now());
  }

  start(): void {
    const tick = () => {
      this.check();
      if (this.copies.some((copy) => copy.state === 'running' && copy.drop)) this.timer = this.opts.clock.setTimeout(tick, this.interval);
      else this.timer = undefined;
    };
    this.timer = this.opts.clock.setTimeout(tick, this.interval);
  }

  stop(): void {
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private get interval(): number {
    return Math.max(50, Math.min(500, this.opts.stallMs / 4));
  }

  check(): void {
    const now = this.opts.clock.now();
    const droppable = this.copies.filter((copy) => copy.state === 'running' && copy.drop);
    for (const copy of droppable) {
      // Once the body is all sent the branch is never full: the wait for the node's answer is
      // covered by SWIM alone.
      if (!copy.branch.writableNeedDrain) this.lastProgress.set(copy.node, now);
    }
    // A node SWIM no longer holds alive first: that is the frozen or dead one.
    for (const copy of droppable) {
      if (!this.opts.isAlive(copy.node)) this.dropIfQuorumStays(copy, 'its node is no longer held alive');
    }
    // Then, one at a time, the copy stuck the longest: under load a slow but healthy node can
    // stall a while too, and only one copy may go, so it must be the one stuck first.
    const stuck = droppable
      .filter((copy) => copy.state === 'running' && now - this.lastProgress.get(copy.node)! >= this.opts.stallMs)
      .sort((a, b) => this.lastProgress.get(a.node)! - this.lastProgress.get(b.node)!);
    if (stuck[0]) this.dropIfQuorumStays(stuck[0], `it took no bytes for ${this.opts.stallMs} ms`);
  }

  private dropIfQuorumStays(copy: WatchedCopy, reason: string): void {
    const viable = this.copies.filter((c) => c.state !== 'failed').length;
    if (viable - 1 < this.opts.keep) return;
    copy.state = 'failed';
    copy.drop!(reason);
    this.opts.onDrop(copy.node, reason);
  }
}
