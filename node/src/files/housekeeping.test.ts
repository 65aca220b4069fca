import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { trashFolderId, type FileEntry } from '../api/files';
import type { Fact } from '../gossip/frames';
import { HybridClock } from '../index/hlc';
import { IndexCommitter } from '../index/indexCommitter';
import { ReplicatedIndex } from '../index/replicatedIndex';
import { quotaOwners } from '../replication/quotaAuthority';
import { SqliteIndexStore } from '../store/sqliteIndexStore';
import { TreeQueries } from '../store/treeQueries';
import { FakeClock } from '../time/fakeClock';
import { fileKey, treeOpKey } from './fileKeys';
import { Housekeeping } from './housekeeping';

const logger = pino({ level: 'silent' });
const DAY = 24 * 3600_000;
const NODES = ['a', 'b', 'c'];

/** Two users: one whose quota this node ('a') owns, one it does not. */
function usersOwnedAndNot(): { owned: string; foreign: string } {
  let owned: string | undefined;
  let foreign: string | undefined;
  while (!owned || !foreign) {
    const id = crypto.randomUUID();
    if (quotaOwners(id, NODES)[0] === 'a') owned ??= id;
    else foreign ??= id;
  }
  return { owned, foreign };
}

/**
 * The background purge and thinning against a real store, with a fake clock for both the ops'
 * stamps (when an item went to the trash) and the pass's "now". TreeService's purge and thin are
 * recorded here; what they write is tested with real processes (test/storage.housekeeping).
 */
describe('Housekeeping', () => {
  let dir: string;
  let clock: FakeClock;
  let store: SqliteIndexStore;
  let write: (key: string, value: Fact['value']) => Promise<void>;
  let calls: string[];
  let housekeeping: Housekeeping;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-housekeeping-'));
    clock = new FakeClock(Date.UTC(2026, 0, 1));
    store = SqliteIndexStore.open({ file: path.join(dir, 'index.db'), self: 'a', holdsReplica: () => true, logger, checkpointIntervalMs: 0 });
    const index = new ReplicatedIndex('a', new HybridClock('a', clock), { store, durableWrites: true });
    const committer = new IndexCommitter(index, store, { clock, logger });
    write = async (key, value) => void (await committer.submit({ kind: 'write', entries: [{ key, value }] }));
    calls = [];
    const queries = new TreeQueries(store.db);
    housekeeping = new Housekeeping({
      self: 'a',
      liveNodes: () => NODES,
      queries,
      tree: {
        trash: { purge: async (userId, itemId) => (calls.push(`purge ${userId} ${itemId}`), 1) },
        versions: { thin: async (userId, itemId, fileIds) => (calls.push(`thin ${userId} ${itemId} ${[...fileIds].sort().join(',')}`), fileIds.length) },
        usage: () => ({ used: 0, limit: 10 ** 9 }),
      },
      versionBytes: () => 0,
      retentionMs: 30 * DAY,
      intervalMs: 60_000,
      clock: () => clock.now(),
      logger,
    });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const entry = (userId: string, fileId: string, at: number, itemId?: string): FileEntry => ({
    fileId,
    ownerId: userId,
    name: 'f.txt',
    size: 10,
    sha256: 'a'.repeat(64),
    mime: 'text/plain',
    createdAt: new Date(at).toISOString(),
    modifiedAt: new Date(at).toISOString(),
    placedByTree: true,
    ...(itemId ? { itemId } : {}),
    deleted: false,
  });

  /** A file made now, and taken to the trash now (the op's stamp is the fake clock's). */
  async function trashedFile(userId: string): Promise<string> {
    const id = crypto.randomUUID();
    await write(fileKey(userId, id), entry(userId, id, clock.now()));
    await write(treeOpKey(userId, crypto.randomUUID()), { itemId: id, newParentId: userId, newName: `${id}.txt`, kind: 'file' });
    await write(treeOpKey(userId, crypto.randomUUID()), { itemId: id, newParentId: trashFolderId(userId), newName: `${id}.txt`, kind: 'file' });
    return id;
  }

  it('purges what has been in the trash longer than the retention, for the users whose quota this node owns', async () => {
    const { owned, foreign } = usersOwnedAndNot();
    const old = await trashedFile(owned);
    await trashedFile(foreign);
    clock.advance(10 * DAY);
    const recent = await trashedFile(owned);

    clock.advance(19 * DAY); // the first ones have been there 29 days
    await housekeeping.runOnce();
    expect(calls).toEqual([]);

    clock.advance(2 * DAY); // 31 days for the first ones, 21 for the recent one
    await housekeeping.runOnce();
    expect(calls).toEqual([`purge ${owned} ${old}`]);
    expect(housekeeping.summary().trashPurged).toBe(1);

    clock.advance(10 * DAY);
    calls = [];
    await housekeeping.runOnce();
    expect(calls).toContain(`purge ${owned} ${recent}`);
  });

  it('thins a file’s older versions by the calendar as the clock moves on', async () => {
    const { owned } = usersOwnedAndNot();
    const itemId = crypto.randomUUID();
    const start = clock.now();
    await write(fileKey(owned, itemId), entry(owned, itemId, start));
    await write(treeOpKey(owned, crypto.randomUUID()), { itemId, newParentId: owned, newName: 'f.txt', kind: 'file' });
    // Three more uploads on the same day, hours apart: four contents, the last current.
    const later: string[] = [];
    for (const hours of [2, 4, 6]) {
      const fileId = crypto.randomUUID();
      later.push(fileId);
      await write(fileKey(owned, fileId), entry(owned, fileId, start + hours * 3600_000, itemId));
    }
    clock.advance(12 * 3600_000);
    await housekeeping.runOnce();
    expect(calls).toEqual([]); // all kept for a day

    clock.advance(2 * DAY);
    await housekeeping.runOnce();
    // One a day after that: of the three older ones (all of one day) the newest stays.
    expect(calls).toEqual([`thin ${owned} ${itemId} ${[itemId, later[0]!].sort().join(',')}`]);
  });
});
