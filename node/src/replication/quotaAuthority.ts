import type { NodeId } from '../gossip/frames';
import type { QuotaLedger, QuotaResult } from '../storage/quotaLedger';
import { placeReplicas } from './placement';

/**
 * One node at a time decides a user's quota (DESIGN §6): the first live node in the
 * user's rendezvous order. Every coordinator asks it to reserve an upload's bytes, so three
 * uploads through three primaries cannot each see the same free space. When the owner dies
 * the next live node takes over with no memory of its reservations: the overshoot is bounded
 * by the uploads that were in flight at the old owner (and, in a partition, each side has an
 * owner: at most one quota's worth per side).
 */
export function quotaOwners(userId: string, liveNodes: readonly NodeId[]): NodeId[] {
  return placeReplicas(`quota:${userId}`, liveNodes, liveNodes.length);
}

/**
 * The owner's side: reservations of uploads in flight (QuotaLedger), and of uploads committed
 * whose entry has not reached this node's index yet. Those stay reserved until it arrives (or
 * a minute passes): released at once, the space would look free again before the entry's
 * bytes counted here, and a concurrent upload could take it twice.
 */
export class QuotaAuthority {
  /** Committed uploads whose entries this node has not seen yet, by user. */
  private readonly committed = new Map<string, Map<string, string>>();
  /** The same uploads in commit order, each with the time it is released anyway. */
  private readonly deadlines = new Map<string, { userId: string; until: number }>();

  constructor(
    private readonly ledger: QuotaLedger,
    private readonly knownFile: (userId: string, fileId: string) => boolean,
    private readonly now: () => number = Date.now,
    private readonly commitGraceMs = 60_000,
  ) {}

  reserve(userId: string, uploadId: string, bytes: number): QuotaResult {
    this.settle(userId);
    return this.ledger.reserve(userId, uploadId, bytes);
  }

  /** Adds to an upload's reservation (a chunked body); an owner that took over starts it afresh. */
  grow(userId: string, uploadId: string, bytes: number): QuotaResult {
    this.settle(userId);
    if (!this.ledger.holds(uploadId)) return this.ledger.reserve(userId, uploadId, bytes);
    return this.ledger.grow(uploadId, bytes);
  }

  /** Makes an upload's reservation at least `bytes` (a resumable upload re-asserting it; a new owner learns it). */
  ensure(userId: string, uploadId: string, bytes: number): QuotaResult {
    this.settle(userId);
    if (!this.ledger.holds(uploadId)) return this.ledger.reserve(userId, uploadId, bytes);
    const missing = bytes - this.ledger.reservedFor(uploadId);
    return missing > 0 ? this.ledger.grow(uploadId, missing) : { ok: true };
  }

  /** The upload ended: failed (its bytes are free now) or committed as `fileId` of `userId`. */
  release(uploadId: string, committedAs?: { userId: string; fileId: string }): void {
    if (committedAs && this.ledger.holds(uploadId) && !this.knownFile(committedAs.userId, committedAs.fileId)) {
      let pending = this.committed.get(committedAs.userId);
      if (!pending) this.committed.set(committedAs.userId, (pending = new Map()));
      pending.set(uploadId, committedAs.fileId);
      this.deadlines.set(uploadId, { userId: committedAs.userId, until: this.now() + this.commitGraceMs });
      return;
    }
    this.ledger.release(uploadId);
  }

  /** Releases the committed reservations that are now counted in the index, or too old to wait for. */
  private settle(userId: string): void {
    const now = this.now();
    for (const [uploadId, { userId: owner, until }] of this.deadlines) {
      if (until > now) break;
      this.drop(owner, uploadId);
    }
    for (const [uploadId, fileId] of this.committed.get(userId) ?? []) {
      if (this.knownFile(userId, fileId)) this.drop(userId, uploadId);
    }
  }

  private drop(userId: string, uploadId: string): void {
    this.deadlines.delete(uploadId);
    const pending = this.committed.get(userId);
    pending?.delete(uploadId);
    if (pending?.size === 0) this.committed.delete(userId);
    this.ledger.release(uploadId);
  }
}
