import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { trashFolderId, type FileEntry } from '../api/files';
import { fileKey } from '../files/fileKeys';
import { migrate } from './migrations';
import { SqliteIndexStore } from './sqliteIndexStore';
import { TreeQueries } from './treeQueries';

const USER = crypto.randomUUID();
const logger = pino({ level: 'silent' });
let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function legacyEntry(name: string, size: number): FileEntry {
  return { fileId: crypto.randomUUID(), ownerId: USER, name, size, sha256: 'b'.repeat(64), mime: 'text/plain', createdAt: '2026-03-01T10:00:00.000Z', deleted: false };
}

describe('a store of the first release', () => {
  it('gets its files placed in the tree once, under the names they had (made valid)', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-upgrade-'));
    const file = path.join(dir, 'index.db');
    const entries = [legacyEntry('notes.txt', 10), legacyEntry('a/b report.pdf', 20), legacyEntry('gone.txt', 30)];
    const old = new Database(file);
    migrate(old, 1);
    const insert = old.prepare('INSERT INTO facts (key, origin, seq, wall, counter, node, value) VALUES (?, ?, ?, ?, ?, ?, ?)');
    entries.forEach((entry, i) => insert.run(fileKey(USER, entry.fileId), 'us-east', i + 1, 1_770_000_000_000 + i, 0, 'us-east', i === 2 ? null : JSON.stringify(entry)));
    old.close();

    const list = (store: SqliteIndexStore) => new TreeQueries(store.db).children(USER, USER, { sort: 'name', order: 'asc', limit: 10 }).items.map((item) => [item.id, item.name, item.size]);
    const store = SqliteIndexStore.open({ file, self: 'us-east', holdsReplica: () => true, logger, checkpointIntervalMs: 0 });
    const expected = [
      [entries[1]!.fileId, 'a∕b report.pdf', 20],
      [entries[0]!.fileId, 'notes.txt', 10],
    ];
    expect(list(store)).toEqual(expected);
    await store.close();
    // Opened again: nothing placed twice.
    const again = SqliteIndexStore.open({ file, self: 'us-east', holdsReplica: () => true, logger, checkpointIntervalMs: 0 });
    expect(list(again)).toEqual(expected);
    expect(again.schema.tree.logEntries()).toBe(2);
    await again.close();
  });
});

describe('a store of the folders release (schema 2)', () => {
  it('gets each file its first version, and the trash its deletion times, without losing a row', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-upgrade-'));
    const file = path.join(dir, 'index.db');
    const live = { ...legacyEntry('kept.txt', 40), placedByTree: true as const };
    const gone = { ...legacyEntry('deleted.txt', 50), placedByTree: true as const };
    const folderId = crypto.randomUUID();
    const old = new Database(file);
    migrate(old, 2);
    old.prepare('INSERT INTO facts (key, origin, seq, wall, counter, node, value) VALUES (?, ?, ?, ?, ?, ?, ?)').run(fileKey(USER, live.fileId), 'us-east', 1, 1, 0, 'us-east', JSON.stringify(live));
    // A file deleted by the folders release: its entry tombstoned, its item moved to the trash.
    old.prepare('INSERT INTO facts (key, origin, seq, wall, counter, node, value) VALUES (?, ?, ?, ?, ?, ?, ?)').run(fileKey(USER, gone.fileId), 'us-east', 2, 2, 0, 'us-east', null);
    old.prepare('INSERT INTO usage (user_id, bytes, files, folders) VALUES (?, 40, 1, 1)').run(USER);
    const item = old.prepare(
      `INSERT INTO items (user_id, item_id, parent_id, kind, name, name_key, sort_name, size, created_at, modified_at, placed_wall, placed_counter, placed_node, placed_origin, previous_parent_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z', ?, 0, 'us-east', 'us-east', ?)`,
    );
    item.run(USER, live.fileId, USER, 'file', 'kept.txt', 'kept.txt', 'kept.txt', 40, 1_770_000_000_000, null);
    item.run(USER, gone.fileId, trashFolderId(USER), 'file', 'deleted.txt', 'deleted.txt', 'deleted.txt', 50, 1_770_000_001_000, USER);
    item.run(USER, folderId, trashFolderId(USER), 'folder', 'Old', 'Old', 'old', 0, 1_770_000_002_000, USER);
    old.close();

    const store = SqliteIndexStore.open({ file, self: 'us-east', holdsReplica: () => true, logger, checkpointIntervalMs: 0 });
    const queries = new TreeQueries(store.db);
    expect(queries.item(USER, live.fileId)).toMatchObject({ name: 'kept.txt', size: 40, versionCount: 1 });
    expect(queries.versions(USER, live.fileId).map((version) => version.fileId)).toEqual([live.fileId]);
    // The deleted file had no content left: not in the trash, no bytes; the folder is, since it went there.
    expect(queries.trashPage(USER, { limit: 10 }).items.map((record) => [record.id, record.trashedAt])).toEqual([[folderId, 1_770_000_002_000]]);
    expect(queries.item(USER, gone.fileId)).toMatchObject({ size: 0, versionCount: 0 });
    expect(queries.trashBytes(USER)).toEqual({ bytes: 0, versionBytes: 0 });
    await store.close();
  });
});
