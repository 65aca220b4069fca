import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileEntry } from '../api/files';
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
