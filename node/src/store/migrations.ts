import type Database from 'better-sqlite3';
import { trashFolderId } from '../api/files';

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
  // 2: the replicated tree (DESIGN §5, issue 12). Items are placed by move operations, not by
  // file entries: the items table is rebuilt from the ops (and the first release's entries,
  // which are their own create op), so its old rows go. Usage follows file entries and stays.
  `
  DROP TABLE items_search;
  DROP TABLE items;
  CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    -- NULL: purged (kept: a later op may move it back, and undo needs the record).
    parent_id TEXT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    -- What names clash by in one folder (NFC, case kept): conflictNames.ts.
    name_key TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    -- Files: from the entry (0 until it arrives); folders: 0.
    size INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL,
    -- The op that put the item where it is, and the region it was made in.
    placed_wall INTEGER NOT NULL,
    placed_counter INTEGER NOT NULL,
    placed_node TEXT NOT NULL,
    placed_origin TEXT NOT NULL,
    -- The placing op's index key (NULL for an entry of the first release, its own create op).
    placed_ref TEXT,
    -- Where a restore from the trash puts it back.
    previous_parent_id TEXT,
    UNIQUE (user_id, item_id)
  );
  CREATE INDEX items_by_name ON items (user_id, parent_id, sort_name, item_id);
  CREATE INDEX items_by_modified ON items (user_id, parent_id, modified_at, item_id);
  CREATE INDEX items_by_size ON items (user_id, parent_id, size, item_id);
  CREATE INDEX items_by_key ON items (user_id, parent_id, name_key);
  CREATE VIRTUAL TABLE items_search USING fts5 (name, tokenize = 'trigram remove_diacritics 1', content = '', contentless_delete = 1);

  -- The op log of every user's tree, for undo-do-redo of late ops (tree/moveLog.ts); ops at or
  -- before the stable point are compacted away.
  CREATE TABLE tree_log (
    user_id TEXT NOT NULL,
    wall INTEGER NOT NULL,
    counter INTEGER NOT NULL,
    node TEXT NOT NULL,
    op TEXT NOT NULL,
    -- The item's record before the op (JSON), NULL when it did not exist.
    prior TEXT,
    effective INTEGER NOT NULL,
    PRIMARY KEY (user_id, wall, counter, node)
  ) WITHOUT ROWID;
  CREATE INDEX tree_log_by_stamp ON tree_log (wall, counter, node);

  -- The one compaction point of this node (all users): the HLC every member has seen up to.
  CREATE TABLE tree_stable (id INTEGER PRIMARY KEY CHECK (id = 1), wall INTEGER NOT NULL, counter INTEGER NOT NULL, node TEXT NOT NULL);
  `,
  // 3: versions and the trash (DESIGN §5, issue 13). A file item's contents are file entries,
  // each its own blob: the first has the item's id, later ones name the item (entry.itemId).
  // The newest is the item's current content; the others are its kept versions.
  `
  CREATE TABLE versions (
    user_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    file_id TEXT NOT NULL,
    -- When this content was uploaded (the entry's modifiedAt): the newest is current.
    at TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (user_id, item_id, file_id)
  ) WITHOUT ROWID;
  CREATE INDEX versions_by_time ON versions (user_id, item_id, at, file_id);
  INSERT INTO versions (user_id, item_id, file_id, at, size)
    SELECT substr(key, 6, 36), coalesce(json_extract(value, '$.itemId'), substr(key, 43)), substr(key, 43),
           coalesce(json_extract(value, '$.modifiedAt'), json_extract(value, '$.createdAt')), json_extract(value, '$.size')
    FROM facts WHERE key >= 'file/' AND key < 'file0' AND value IS NOT NULL AND json_extract(value, '$.deleted') = 0;
  -- Per item, how many contents and their bytes: kept with each change, so that a file with
  -- thousands of versions costs no more to change than one with two.
  CREATE TABLE item_contents (
    user_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (user_id, item_id)
  ) WITHOUT ROWID;
  INSERT INTO item_contents (user_id, item_id, count, bytes) SELECT user_id, item_id, count(*), sum(size) FROM versions GROUP BY user_id, item_id;

  -- The entry of the item's current content (NULL: the item's own id), how many contents it
  -- has and the bytes of the older ones.
  ALTER TABLE items ADD COLUMN file_id TEXT;
  ALTER TABLE items ADD COLUMN version_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE items ADD COLUMN version_bytes INTEGER NOT NULL DEFAULT 0;
  UPDATE items SET version_count = 1 WHERE kind = 'file'
    AND EXISTS (SELECT 1 FROM versions v WHERE v.user_id = items.user_id AND v.item_id = items.item_id);
  -- A file deleted before the trash (its entry tombstoned) has no content left to count.
  UPDATE items SET size = 0 WHERE kind = 'file' AND version_count = 0;
  -- Thinning visits only the files that have older versions.
  CREATE INDEX items_versioned ON items (user_id, item_id) WHERE version_count > 1;
  -- A top-level item of the trash: when it went there (the placing op's wall clock), and the
  -- bytes of its subtree then (current contents, and older versions), for the quota's split.
  ALTER TABLE items ADD COLUMN trashed_at INTEGER;
  ALTER TABLE items ADD COLUMN trashed_bytes INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE items ADD COLUMN trashed_version_bytes INTEGER NOT NULL DEFAULT 0;
  UPDATE items SET trashed_at = placed_wall WHERE parent_id = trash_folder_id(user_id);
  CREATE INDEX items_trash ON items (user_id, trashed_at, item_id) WHERE trashed_at IS NOT NULL;
  CREATE INDEX items_trash_expiry ON items (trashed_at) WHERE trashed_at IS NOT NULL;

  ALTER TABLE usage ADD COLUMN version_bytes INTEGER NOT NULL DEFAULT 0;
  `,
  // 4: resumable uploads in progress held by this node (DESIGN §6, issue 14): not replicated
  // facts but this holder's own record of its partial (uploads/resumableStore.ts). The offset
  // and the sealed tail change in one transaction; expiry finds its work by expires_at.
  `
  CREATE TABLE resumable_uploads (
    upload_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    length INTEGER NOT NULL,
    -- JSON: filename, folderId, filetype, onConflict, sha256, holders.
    meta TEXT NOT NULL,
    -- The finished blob's header (the wrapped data key), the same on every holder.
    header BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    -- Plaintext bytes durable here: whole segments in the partial, the rest in the tail.
    plain_offset INTEGER NOT NULL,
    -- The sealed tail (tailCipher.ts); empty when the offset is on a segment boundary.
    tail BLOB NOT NULL,
    -- open: bytes coming; sealed: the partial is a whole blob; stored: renamed into place;
    -- completed: the file is committed (completion holds what GET answers).
    state TEXT NOT NULL,
    completion TEXT
  ) WITHOUT ROWID;
  CREATE INDEX resumable_uploads_expiry ON resumable_uploads (expires_at, upload_id);
  `,
];

export const SCHEMA_VERSION = STEPS.length;
/** The first schema with the replicated tree: a store from before it has its items rebuilt (ItemsSchema.rebuildLegacyTree). */
export const TREE_SCHEMA = 2;

/** Brings the store to SCHEMA_VERSION (or `upTo`, for tests of upgrades); refuses a store written by a newer release. */
export function migrate(db: Database.Database, upTo = SCHEMA_VERSION): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > SCHEMA_VERSION) {
    throw new Error(`the metadata store has schema ${from}; this release knows up to ${SCHEMA_VERSION}`);
  }
  if (from >= upTo) return { from, to: from };
  // Step 3 finds the items in each user's trash by the trash's id, derived from the user's.
  db.function('trash_folder_id', { deterministic: true }, (userId: unknown) => trashFolderId(String(userId)));
  db.transaction(() => {
    for (let step = from; step < upTo; step++) db.exec(STEPS[step]!);
    db.pragma(`user_version = ${upTo}`);
  })();
  return { from, to: upTo };
}
