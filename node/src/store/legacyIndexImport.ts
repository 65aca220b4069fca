import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { NodeId } from '../gossip/frames';
import { MemoryFactStore } from '../index/factStore';
import { HybridClock } from '../index/hlc';
import { indexSnapshotSchema, logRecordSchema, type LogRecord } from '../index/records';
import { ReplicatedIndex } from '../index/replicatedIndex';
import type { Clock } from '../time/clock';
import type { SqliteIndexStore } from './sqliteIndexStore';

/** The first release's index files: a JSON snapshot and a log of JSON lines replayed on it. */
export const LEGACY_LOG_FILE = 'index.log';
export const LEGACY_SNAPSHOT_FILE = 'index.snapshot.json';

/**
 * Moves an index written by the first release (snapshot + log) into the store, once: the
 * old state is rebuilt in memory exactly as that release did at start, copied in one
 * transaction, made durable, and only then are the old files removed. A crash before that
 * leaves them in place and the next start imports again into a store that is still empty.
 */
export async function importLegacyIndex(dir: string, store: SqliteIndexStore, opts: { self: NodeId; clock: Clock; logger: Logger }): Promise<number> {
  const snapshotFile = path.join(dir, LEGACY_SNAPSHOT_FILE);
  const logFile = path.join(dir, LEGACY_LOG_FILE);
  const snapshotText = await readIfExists(snapshotFile);
  const logText = await readIfExists(logFile);
  if (snapshotText === null && logText === null) return 0;
  if (store.loadState() !== undefined) {
    throw new Error(`${dir} holds both an imported index and the old ${LEGACY_LOG_FILE}; move one away`);
  }

  const memory = new MemoryFactStore();
  if (snapshotText !== null) {
    const snapshot = parseSnapshot(snapshotText, snapshotFile);
    if (snapshot.self !== opts.self) throw new Error(`${snapshotFile} belongs to ${snapshot.self}, not ${opts.self}`);
    const watermarks: Record<NodeId, { mark: number; above: number[] }> = {};
    for (const [origin, mark] of Object.entries(snapshot.watermarks)) watermarks[origin] = { mark, above: snapshot.pending[origin] ?? [] };
    memory.saveState({ ownSeq: snapshot.ownSeq, changes: snapshot.changes, watermarks });
    for (const fact of snapshot.facts) memory.putFact(fact, undefined);
    for (const grave of snapshot.graves) memory.putGrave(grave);
  }
  const index = new ReplicatedIndex(opts.self, new HybridClock(opts.self, opts.clock), { store: memory });
  const records = parseLog(logText ?? '', logFile);
  for (const record of records) replay(index, record);
  index.saveState();

  let facts = 0;
  store.transaction(() => {
    for (const origin of memory.origins()) {
      for (const fact of memory.factsOf(origin, 0, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)) {
        store.putFact(fact, undefined);
        facts++;
      }
    }
    for (const grave of memory.gravesAfter('', Number.POSITIVE_INFINITY)) store.putGrave(grave);
    store.saveState(memory.loadState()!);
  });
  await store.sync();
  await fs.rm(snapshotFile, { force: true });
  await fs.rm(logFile, { force: true });
  opts.logger.info({ facts, records: records.length }, 'imported the index of the previous release');
  return facts;
}

/** Replays one record of the old log; every kind is idempotent. */
function replay(index: ReplicatedIndex, record: LogRecord): void {
  if (record.t === 'facts') index.apply(record.facts);
  else if (record.t === 'upTo') index.advance(record.upTo);
  else index.collectTombstones(new Map(Object.entries(record.peerDigests)), record.members);
}

/**
 * Splits the old log into records. Only the last line may be damaged (a crash mid-append,
 * never acknowledged); damage earlier means the file was corrupted some other way, and
 * guessing past it could lose or invent facts, so that stops the start-up.
 */
export function parseLog(text: string, name: string): LogRecord[] {
  const records: LogRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const record = parseRecord(line);
    if (record) {
      records.push(record);
      continue;
    }
    if (lines.slice(i + 1).some((rest) => rest.trim() !== '')) throw new Error(`${name}: damaged record on line ${i + 1}, followed by more records`);
  }
  return records;
}

function parseRecord(line: string): LogRecord | null {
  try {
    const result = logRecordSchema.safeParse(JSON.parse(line));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

function parseSnapshot(text: string, name: string) {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${name}: not JSON`);
  }
  const result = indexSnapshotSchema.safeParse(data);
  if (!result.success) throw new Error(`${name}: not a valid index snapshot (${result.error.issues[0]?.message})`);
  return result.data;
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
