import type Database from 'better-sqlite3';

/**
 * The schema of a node's metadata store, as numbered steps: a store is brought from its
 * `user_version` to the last step in one transaction at open. Steps are only appended.
 */
const STEPS: readonly string[] = [
  // 1: the replicated index (DESIGN §4) and the per-user file tree it implies (§5).
  `
  -- The winning fact of every key. value is JSON text, NULL for a tombstone.
  CREATE TABLE facts (
    key TEXT PRIMARY KEY,
    origin TEXT NOT NULL,
    seq INTEGER NOT NULL,
    wall INTEGER NOT NULL,
    counter INTEGER NOT NULL,
    node TEXT NOT NULL,
    value TEXT
  ) WITHOUT ROWID;
  -- Deltas are read per origin from a peer's watermark.
  CREATE UNIQUE INDEX facts_by_origin ON facts (origin, seq);
  -- Tombstone collection only ever looks at tombstones.
  CREATE INDEX facts_tombstones ON facts (origin, seq) WHERE value IS NULL;

  -- Collected tombstones not yet safe to forget (ReplicatedIndex.collectTombstones).
  CREATE TABLE graves (
    key TEXT PRIMARY KEY,
    wall INTEGER NOT NULL,
    counter INTEGER NOT NULL,
    node TEXT NOT NULL,
    horizon TEXT NOT NULL
  ) WITHOUT ROWID;

  -- Per origin: the contiguous watermark and the seqs seen past a gap (JSON array).
  CREATE TABLE watermarks (origin TEXT PRIMARY KEY, mark INTEGER NOT NULL, above TEXT NOT NULL) WITHOUT ROWID;

  -- Small named numbers kept in the same transaction as the facts they count.
  CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;

  -- Every user's items (files now, folders with the tree): children of a folder in each
  -- sort order are one index range, so a page of a listing is O(log n + page).
  CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    size INTEGER NOT NULL,
    modified_at TEXT NOT NULL,
    UNIQUE (user_id, item_id)
  );
  CREATE INDEX items_by_name ON items (user_id, parent_id, sort_name, item_id);
  CREATE INDEX items_by_modified ON items (user_id, parent_id, modified_at, item_id);
  CREATE INDEX items_by_size ON items (user_id, parent_id, size, item_id);

  -- Name search: trigrams of the folded name, case- and accent-insensitive substrings.
  CREATE VIRTUAL TABLE items_search USING fts5 (name, tokenize = 'trigram remove_diacritics 1', content = '', contentless_delete = 1);

  -- Logical bytes and item counts per user: the quota in O(1).
  CREATE TABLE usage (
    user_id TEXT PRIMARY KEY,
    bytes INTEGER NOT NULL,
    files INTEGER NOT NULL,
    folders INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = STEPS.length;

/** Brings the store to SCHEMA_VERSION; refuses a store written by a newer release. */
export function migrate(db: Database.Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > SCHEMA_VERSION) {
    throw new Error(`the metadata store has schema ${from}; this release knows up to ${SCHEMA_VERSION}`);
  }
  if (from === SCHEMA_VERSION) return { from, to: from };
  db.transaction(() => {
    for (let step = from; step < SCHEMA_VERSION; step++) db.exec(STEPS[step]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
  return { from, to: SCHEMA_VERSION };
}
