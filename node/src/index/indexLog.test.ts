import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import { pino } from 'pino';
import type { Fact } from '../gossip/frames';
import { FakeClock } from '../time/fakeClock';
import { IndexLog, LOG_FILE, SNAPSHOT_FILE, parseLog } from './indexLog';
import type { ReplicatedIndex } from './replicatedIndex';

const logger = pino({ level: 'silent' });
const clock = new FakeClock();
let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'geovault-index-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function open(compactAfter?: number): Promise<IndexLog> {
  return IndexLog.open(dir, { self: 'a', logger, clock, compactAfter });
}

function fact(origin: string, seq: number, key: string, value: Fact['value'], wall = 1_000): Fact {
  return { origin, seq, key, value, version: { wall, counter: seq, node: origin } };
}

/** What a caller does: apply to the index first, then persist what was new. */
async function applyAndLog(log: IndexLog, facts: Fact[]): Promise<void> {
  const { fresh } = log.index.applyReport(facts);
  await log.append([{ t: 'facts', facts: fresh }]);
}

async function putAndLog(log: IndexLog, key: string, value: string | null): Promise<Fact> {
  const f = value === null ? log.index.remove(key) : log.index.put(key, value);
  await log.append([{ t: 'facts', facts: [f] }]);
  return f;
}

function comparable(index: ReplicatedIndex) {
  const snapshot = index.toSnapshot();
  return { ...snapshot, facts: [...snapshot.facts].sort((x, y) => (x.key < y.key ? -1 : 1)) };
}

describe('IndexLog', () => {
  it('restores exactly the state it logged', async () => {
    const log = await open();
    await applyAndLog(log, [fact('b', 1, 'k1', 'v1'), fact('b', 3, 'k3', 'v3'), fact('c', 1, 'k1', 'newer', 2_000)]);
    await putAndLog(log, 'mine', 'x');
    await putAndLog(log, 'k3', null);
    log.index.advance({ b: 2 });
    await log.append([{ t: 'upTo', upTo: { b: 2 } }]);
    const before = comparable(log.index);
    await log.close();

    const reopened = await open();
    expect(comparable(reopened.index)).toEqual(before);
    expect(reopened.index.digest()).toEqual({ a: 2, b: 3, c: 1 });
    expect(reopened.index.get('k1')).toBe('newer');
    await reopened.close();
  });

  it('never reuses an own seq after a restart', async () => {
    const log = await open();
    await putAndLog(log, 'k1', 'x');
    await putAndLog(log, 'k1', 'y');
    await log.close();
    const reopened = await open();
    expect(reopened.index.put('k2', 'z').seq).toBe(3);
    // Restored own facts are durable, so they may be handed to peers at once.
    expect(reopened.index.deltaFor({}).upTo).toEqual({ a: 2 });
    await reopened.close();
  });

  it('ignores a torn last line and keeps appending on a clean line', async () => {
    const log = await open();
    await applyAndLog(log, [fact('b', 1, 'k1', 'v1')]);
    const before = comparable(log.index);
    await log.close();
    const logPath = path.join(dir, LOG_FILE);
    await fs.appendFile(logPath, '{"t":"facts","facts":[{"origin":"b","seq":2,"ke');

    const reopened = await open();
    expect(comparable(reopened.index)).toEqual(before);
    await applyAndLog(reopened, [fact('b', 2, 'k2', 'v2')]);
    await reopened.close();

    const again = await open();
    expect(again.index.get('k2')).toBe('v2');
    expect(again.index.digest()).toEqual({ b: 2 });
    await again.close();
  });

  it('refuses a log damaged before its last line', async () => {
    const good = `${JSON.stringify({ t: 'upTo', upTo: { b: 1 } })}\n`;
    await fs.writeFile(path.join(dir, LOG_FILE), `${good}garbage\n${good}`);
    await expect(open()).rejects.toThrow(/damaged record at byte/);
  });

  it('group-commits concurrent appends into fewer disk flushes', async () => {
    const log = await open();
    const writes = Array.from({ length: 20 }, (_, i) => putAndLog(log, `k${i}`, `v${i}`));
    await Promise.all(writes);
    expect(log.stats.records).toBe(20);
    expect(log.stats.batches).toBeLessThan(20);
    await log.close();
    const reopened = await open();
    expect(reopened.index.size).toBe(20);
    await reopened.close();
  });

  it('compacts into a snapshot after N records and keeps the state', async () => {
    const log = await open(5);
    for (let i = 0; i < 12; i++) await putAndLog(log, `k${i % 4}`, i % 5 === 4 ? null : `v${i}`);
    await applyAndLog(log, [fact('b', 2, 'remote', 'r')]);
    expect(log.stats.compactions).toBeGreaterThanOrEqual(2);
    const logLines = (await fs.readFile(path.join(dir, LOG_FILE), 'utf8')).split('\n').filter(Boolean);
    expect(logLines.length).toBeLessThan(5);
    await expect(fs.stat(path.join(dir, SNAPSHOT_FILE))).resolves.toBeTruthy();
    const before = comparable(log.index);
    await log.close();

    const reopened = await open(5);
    expect(comparable(reopened.index)).toEqual(before);
    expect(reopened.index.put('next', 'n').seq).toBe(13);
    await reopened.close();
  });

  it('keeps records appended while a compaction runs', async () => {
    const log = await open();
    await putAndLog(log, 'k1', 'v1');
    const compaction = log.compact();
    const late = putAndLog(log, 'k2', 'v2');
    await Promise.all([compaction, late]);
    await log.close();
    const reopened = await open();
    expect(reopened.index.entries()).toEqual([
      ['k1', 'v1'],
      ['k2', 'v2'],
    ]);
    await reopened.close();
  });

  it('replays a log over a snapshot that already contains it (crash before truncation)', async () => {
    const log = await open();
    await putAndLog(log, 'k1', 'v1');
    await putAndLog(log, 'k1', null);
    const logText = await fs.readFile(path.join(dir, LOG_FILE), 'utf8');
    await log.compact();
    const before = comparable(log.index);
    await log.close();
    await fs.writeFile(path.join(dir, LOG_FILE), logText);
    const reopened = await open();
    expect(comparable(reopened.index)).toEqual(before);
    await reopened.close();
  });
});

describe('parseLog', () => {
  it('reports the torn tail in bytes, multi-byte characters included', () => {
    const line = `${JSON.stringify({ t: 'facts', facts: [fact('b', 1, 'clé', 'größe')] })}\n`;
    const { records, goodBytes, tornBytes } = parseLog(`${line}{"t":"up`, 'test');
    expect(records).toHaveLength(1);
    expect(goodBytes).toBe(Buffer.byteLength(line));
    expect(tornBytes).toBe(8);
  });
});
