import type Database from 'better-sqlite3';

/** The counters a node keeps, so that nothing on the status page has to count. */
export type CounterName =
  | 'facts.live'
  | 'facts.tombstones'
  | 'index.ownSeq'
  | 'index.changes'
  /** This node's replica records by state, and the logical bytes of its stored ones. */
  | 'replicas.stored'
  | 'replicas.pending'
  | 'replicas.corrupt'
  | 'replicas.storedBytes'
  /** Live files whose placement includes this node. */
  | 'replicas.expected'
  /** The cluster layout version `replicas.expected` was counted under (layout/expectedRecount.ts). */
  | 'replicas.expectedLayout'
  /** Entries in the tree's op log (tree_log), all users. */
  | 'tree.logEntries';

/**
 * Counters read from memory and written in the transaction that changes them: changes are
 * collected during a transaction and flushed just before it commits; a failed transaction
 * reloads them from the table, which the rollback left as it was.
 */
export class Counters {
  private readonly values = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly upsert: Database.Statement<[string, number]>;

  constructor(private readonly db: Database.Database) {
    this.upsert = db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value');
    this.reload();
  }

  get(name: CounterName): number {
    return this.values.get(name) ?? 0;
  }

  add(name: CounterName, delta: number): void {
    if (delta === 0) return;
    this.set(name, this.get(name) + delta);
  }

  set(name: CounterName, value: number): void {
    this.values.set(name, value);
    this.dirty.add(name);
  }

  /** Writes what changed; call inside the transaction, last. */
  flush(): void {
    for (const name of this.dirty) this.upsert.run(name, this.values.get(name)!);
    this.dirty.clear();
  }

  reload(): void {
    this.values.clear();
    this.dirty.clear();
    for (const row of this.db.prepare('SELECT name, value FROM counters').all() as Array<{ name: string; value: number }>) {
      this.values.set(row.name, row.value);
    }
  }
}
