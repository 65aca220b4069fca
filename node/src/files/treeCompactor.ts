import type { Logger } from 'pino';
import type { Digest, Hlc, NodeId } from '../gossip/frames';
import type { IndexValue } from '../index/replicatedIndex';
import { PeriodicTask } from '../runtime/periodicTask';
import { yieldToEventLoop } from '../runtime/yieldToEventLoop';
import type { CompactedEntry, TreeTables } from '../store/treeTables';
import { stablePoint } from '../tree/stablePoint';

/** Log entries dropped per transaction: a long partition's backlog never holds the event loop. */
const CHUNK = 500;

export interface TreeCompactorDeps {
  self: NodeId;
  members: () => readonly NodeId[];
  ownDigest: () => Digest;
  peerDigest: (peer: NodeId) => Digest | undefined;
  store: { transaction<T>(fn: () => T): T; stampAt(origin: NodeId, seq: number): Hlc | undefined };
  tables: TreeTables;
  writer: { writeMany(entries: Array<{ key: string; value: IndexValue | null }>): Promise<unknown> };
  intervalMs: number;
  logger: Logger;
}

/**
 * Keeps the tree's op log from growing without bound (DESIGN §5). On a timer: the stable point
 * from every member's digest (tree/stablePoint.ts), the log up to it dropped, and the op facts
 * nobody needs any more retired with a tombstone: an op that was skipped, and an op whose item
 * has since been placed by a newer one at or before the point. What stays is, per item, the op
 * that placed it, which is all a member joining later needs to build the same tree. Each node
 * retires only its own ops, so a retirement is written once, not once per member.
 */
export class TreeCompactor extends PeriodicTask {
  private readonly stats = { runs: 0, compacted: 0, retired: 0, stable: null as Hlc | null };

  summary(): { compactions: number; compacted: number; retired: number; stable: Hlc | null } {
    return { compactions: this.stats.runs, compacted: this.stats.compacted, retired: this.stats.retired, stable: this.stats.stable };
  }

  constructor(private readonly deps: TreeCompactorDeps) {
    super({ intervalMs: deps.intervalMs, logger: deps.logger, what: 'tree compaction' });
  }

  /** One compaction: up to the stable point, a chunk per transaction. */
  protected async pass(): Promise<void> {
    const { deps } = this;
    this.stats.runs++;
    const members = deps.members();
    const digests = new Map<NodeId, Digest | undefined>(members.map((member) => [member, member === deps.self ? deps.ownDigest() : deps.peerDigest(member)]));
    const stable = stablePoint(members, digests, (origin, seq) => deps.store.stampAt(origin, seq));
    if (stable === null || !deps.store.transaction(() => deps.tables.advanceStable(stable))) return;
    this.stats.stable = stable;
    for (;;) {
      if (this.stopped) return;
      const chunk = deps.store.transaction(() => deps.tables.compactChunk(CHUNK));
      this.stats.compacted += chunk.length;
      const retired = retirable(chunk, deps.self);
      if (retired.length > 0) {
        await deps.writer.writeMany(retired.map((key) => ({ key, value: null })));
        this.stats.retired += retired.length;
      }
      if (chunk.length < CHUNK) break;
      await yieldToEventLoop();
    }
    deps.logger.debug({ stable, compacted: this.stats.compacted, retired: this.stats.retired }, 'tree log compacted');
  }
}

/** The op facts of `self` that compacted entries show nobody needs: skipped ops, and placements since replaced. */
export function retirable(entries: readonly CompactedEntry[], self: NodeId): string[] {
  const keys = new Set<string>();
  for (const { op, prior, effective } of entries) {
    if (!effective) {
      if (op.origin === self && op.ref !== undefined) keys.add(op.ref);
    } else if (prior?.placedBy.ref !== undefined && prior.placedBy.origin === self) {
      keys.add(prior.placedBy.ref);
    }
  }
  return [...keys];
}
