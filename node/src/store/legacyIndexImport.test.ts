import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileEntry } from '../api/files';
import { fileKey } from '../files/fileKeys';
import type { Fact } from '../gossip/frames';
import { HybridClock } from '../index/hlc';
import { ReplicatedIndex } from '../index/replicatedIndex';
import { FakeClock } from '../time/fakeClock';
import { CatalogQueries } from './catalogQueries';
import { importLegacyIndex, LEGACY_LOG_FILE, LEGACY_SNAPSHOT_FILE } from './legacyIndexImport';
import { SqliteIndexStore } from './sqliteIndexStore';

const logger = pino({ level: 'silent' });
const USER = '11111111-1111-4111-8111-111111111111';
const FILE_1 = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const FILE_2 = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const FILE_3 = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

const file = (fileId: string, size: number): FileEntry => ({
  fileId,
  ownerId: USER,
  name: `${fileId.slice(0, 4)}.bin`,
  size,
  sha256: 'b'.repeat(64),
  mime: 'application/octet-stream',
  createdAt: '2026-05-01T10:00:00.000Z',
  deleted: false,
});
const fact = (origin: string, seq: number, key: string, value: Fact['value']): Fact => ({ origin, seq, key, value, version: { wall: 1_000 + seq, counter: 0, node: origin } });

/** A data dir as the first release left it: a snapshot, a log on top, and a torn last line. */
function writeLegacy(dir: string): void {
  const snapshot = {
    format: 1,
    self: 'us-east',
    ownSeq: 2,
    changes: 3,
    watermarks: { 'us-east': 2, asia: 1 },
    pending: { asia: [3] },
    facts: [fact('us-east', 1, fileKey(USER, FILE_1), file(FILE_1, 100)), fact('us-east', 2, fileKey(USER, FILE_2), file(FILE_2, 200)), fact('asia', 3, 'kv/x', 'asia says')],
    graves: [{ key: 'kv/old', version: { wall: 900, counter: 0, node: 'asia' }, horizon: { asia: 9 } }],
  };
  fs.writeFileSync(path.join(dir, LEGACY_SNAPSHOT_FILE), JSON.stringify(snapshot));
  const log = [
    { t: 'facts', facts: [fact('us-east', 3, fileKey(USER, FILE_2), null), fact('eu-west', 1, fileKey(USER, FILE_3), file(FILE_3, 30))] },
    { t: 'upTo', upTo: { asia: 4 } },
  ];
  fs.writeFileSync(path.join(dir, LEGACY_LOG_FILE), `${log.map((record) => JSON.stringify(record)).join('\n')}\n{"t":"facts","fac`);
}

describe('importLegacyIndex', () => {
  let dir: string;
  const clock = new FakeClock(1_700_000_000_000);
  const openStore = () => SqliteIndexStore.open({ file: path.join(dir, 'index.db'), self: 'us-east', holdsReplica: () => true, logger, checkpointIntervalMs: 0 });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-legacy-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('moves snapshot + log (torn tail dropped) into the store with watermarks, graves and usage, then removes the old files', async () => {
    writeLegacy(dir);
    const store = openStore();
    expect(await importLegacyIndex(dir, store, { self: 'us-east', clock, logger })).toBe(4);
    const index = new ReplicatedIndex('us-east', new HybridClock('us-east', clock), { store, durableWrites: true });
    expect(index.get(fileKey(USER, FILE_1))).toMatchObject({ size: 100 });
    expect(index.getFact(fileKey(USER, FILE_2))).toMatchObject({ value: null, seq: 3 });
    expect(index.get(fileKey(USER, FILE_3))).toMatchObject({ size: 30 });
    expect(index.get('kv/x')).toBe('asia says');
    expect(index.digest()).toEqual({ 'us-east': 3, asia: 4, 'eu-west': 1 });
    expect(store.getGrave('kv/old')).toMatchObject({ horizon: { asia: 9 } });
    expect(new CatalogQueries(store.db).usage(USER)).toEqual({ bytes: 130, files: 2, folders: 0, versionBytes: 0 });
    expect(index.put('kv/next', 1).seq).toBe(4);
    expect(fs.existsSync(path.join(dir, LEGACY_LOG_FILE))).toBe(false);
    expect(fs.existsSync(path.join(dir, LEGACY_SNAPSHOT_FILE))).toBe(false);
    // Nothing left to import on the next start.
    expect(await importLegacyIndex(dir, store, { self: 'us-east', clock, logger })).toBe(0);
    await store.close();
  });

  it('refuses another node\'s index and a log damaged before its end, touching nothing', async () => {
    writeLegacy(dir);
    let store = openStore();
    await expect(importLegacyIndex(dir, store, { self: 'asia', clock, logger })).rejects.toThrow(/belongs to us-east/);
    await store.close();
    fs.writeFileSync(path.join(dir, LEGACY_LOG_FILE), '{"t":"upTo","upTo":{"asia":4}}\nnot json\n{"t":"upTo","upTo":{"asia":5}}\n');
    store = openStore();
    await expect(importLegacyIndex(dir, store, { self: 'us-east', clock, logger })).rejects.toThrow(/damaged record on line 2/);
    expect(store.loadState()).toBeUndefined();
    expect(fs.existsSync(path.join(dir, LEGACY_SNAPSHOT_FILE))).toBe(true);
    await store.close();
  });
});
