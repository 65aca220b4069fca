/** How long a deletion is remembered: a replica write of a large file still running may land well after it. */
const REMEMBER_MS = 60 * 60_000;
/** Deletions remembered at most (a key and a time each, ~150 bytes): the oldest go first. */
const MAX_REMEMBERED = 50_000;

/**
 * The files whose tombstone this node was told of lately, for the repairer. It must not ask
 * the index: a tombstone is collected once every member covers it (about a second after the
 * delete on a quiet mesh), after which the index does not know the file at all. A pass held up
 * longer (a busy disk), or a copy whose bytes landed after the delete (a replica write, a
 * resumable upload's finish), then found a file it did not know and left the blob to the
 * orphan sweep, ten minutes on. A file id is never reused, so a deletion stays true.
 */
export class RecentDeletions {
  private readonly told = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  remember(key: string): void {
    const now = this.now();
    this.told.delete(key);
    this.told.set(key, now);
    // Oldest first, in insertion order: each call drops at most what expired or overflowed.
    for (const [oldest, at] of this.told) {
      if (this.told.size <= MAX_REMEMBERED && now - at < REMEMBER_MS) break;
      this.told.delete(oldest);
    }
  }

  has(key: string): boolean {
    const at = this.told.get(key);
    return at !== undefined && this.now() - at < REMEMBER_MS;
  }
}
