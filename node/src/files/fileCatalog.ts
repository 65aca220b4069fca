import type { Logger } from 'pino';
import { InlineCodec } from '../storage/encryption/inlineSeal';
import type { Digest, Fact, NodeId } from '../gossip/frames';
import type { ReplicatedIndex, IndexValue } from '../index/replicatedIndex';
import {
  fileEntrySchema,
  inlineDataSchema,
  type InlineData,
  replicaRecordSchema,
  replicaStateSchema,
  rootFolderId,
  type FileEntry,
  type FileView,
  type ListQuery,
  type ReplicaRecord,
  type ReplicaState,
} from '../api/files';
import type { CatalogQueries, UserUsage } from '../store/catalogQueries';
import { yieldToEventLoop } from '../runtime/yieldToEventLoop';
import { DATA_PREFIX, dataKey, FILE_PREFIX, fileKey, nodeReplicasPrefix, parseKey, replicaKey } from './fileKeys';

export interface IndexWriter {
  write(key: string, value: IndexValue): Promise<Fact>;
  remove(key: string): Promise<Fact>;
  /** All in one transaction: durable together or not at all (null deletes). */
  writeMany(entries: Array<{ key: string; value: IndexValue | null }>): Promise<Fact[]>;
  /** Resolves with the peers whose disk holds `fact` once `needed` of them do (see AntiEntropy). */
  awaitPeerCopies(fact: Fact, needed: number, timeoutMs: number): Promise<NodeId[]>;
  /** What a peer last told us it holds on disk. */
  peerDigest(peer: NodeId): Digest | undefined;
}

const REPLICA_STATES: ReadonlySet<string> = new Set(replicaStateSchema.options);

/** Entries read per step of a walk over the whole catalogue, between two yields. */
const WALK_CHUNK = 500;

/**
 * The files part of the replicated index, typed: entries per user and, per node, the state
 * of its replica. Values come from peers, so each is parsed before use; one that does not
 * parse is treated as absent (and logged), never trusted.
 */
export class FileCatalog {
  constructor(
    private readonly self: NodeId,
    private readonly index: ReplicatedIndex,
    private readonly writer: IndexWriter,
    private readonly queries: CatalogQueries,
    private readonly logger: Logger,
    /** Seals new inline bytes and opens stored ones. */
    private readonly inline: InlineCodec = new InlineCodec(undefined, false),
  ) {}

  entry(userId: string, fileId: string): FileEntry | undefined {
    return this.parseEntry(fileKey(userId, fileId), this.index.get(fileKey(userId, fileId)));
  }

  /** True when the index knows this file id at all, live or deleted (an id is never reused). */
  isKnown(userId: string, fileId: string): boolean {
    return this.index.getHeader(fileKey(userId, fileId)) !== undefined;
  }

  /** True when the file existed and was deleted (a tombstone is known). */
  isDeleted(userId: string, fileId: string): boolean {
    const fact = this.index.getHeader(fileKey(userId, fileId));
    return fact?.tombstone === true;
  }

  /** One page of a folder's files (the root by default), in the asked order. */
  page(userId: string, query: ListQuery): { entries: FileEntry[]; cursor?: string } {
    const { items, cursor } = this.queries.children(userId, query.folder ?? rootFolderId(userId), query);
    // Only values that passed the entry schema when stored have an item row (ItemsSchema).
    return { entries: items.map((item) => item.value as FileEntry), ...(cursor ? { cursor } : {}) };
  }

  /** Files whose name contains `query`, ignoring case and accents. */
  search(userId: string, query: string, limit: number): FileEntry[] {
    return this.entriesOf(userId, this.queries.search(userId, query, limit));
  }

  usage(userId: string): UserUsage {
    return this.queries.usage(userId);
  }

  /**
   * Every live file entry, in key order, a chunk at a time with a turn of the event loop
   * between chunks: background sweeps must never hold the loop for the whole index.
   */
  async *walkEntries(): AsyncGenerator<FileEntry> {
    for await (const [key, value] of this.walk(FILE_PREFIX)) {
      const entry = this.parseEntry(key, value);
      if (entry) yield entry;
    }
  }

  /** Every replica record this node has written and not yet withdrawn, walked like walkEntries. */
  async *walkOwnReplicas(): AsyncGenerator<{ userId: string; fileId: string; record: ReplicaRecord }> {
    for await (const [key, value] of this.walk(nodeReplicasPrefix(this.self))) {
      const parsed = parseKey(key);
      const record = replicaRecordSchema.safeParse(value);
      if (parsed.kind === 'replica' && record.success) yield { userId: parsed.userId, fileId: parsed.fileId, record: record.data };
    }
  }

  replicaRecord(node: NodeId, userId: string, fileId: string): ReplicaRecord | undefined {
    const key = replicaKey(node, userId, fileId);
    const value = this.index.get(key);
    if (value === undefined) return undefined;
    const parsed = replicaRecordSchema.safeParse(value);
    if (!parsed.success) this.logger.warn({ key }, 'ignoring a malformed replica record');
    return parsed.success ? parsed.data : undefined;
  }

  view(entry: FileEntry, holders: readonly NodeId[]): FileView {
    return this.views([entry], () => holders)[0]!;
  }

  /**
   * Files as the API shows them, with where their replicas are (a node with no record yet is
   * `pending`): one read for all their records. An inline file is stored on a node once that
   * node's digest covers its bytes.
   */
  views(entries: readonly FileEntry[], holdersOf: (entry: FileEntry) => readonly NodeId[]): FileView[] {
    const holders = entries.map(holdersOf);
    const keys = entries.flatMap((entry, i) => (entry.inline ? [] : holders[i]!.map((node) => replicaKey(node, entry.ownerId, entry.fileId))));
    const records = keys.length > 0 ? this.queries.values(keys) : new Map<string, unknown>();
    return entries.map((entry, i) => {
      const { deleted: _deleted, ...rest } = entry;
      if (entry.inline) return { ...rest, replicas: this.inlineStates(entry, holders[i]!) };
      const replicas: Record<NodeId, ReplicaState> = {};
      for (const node of holders[i]!) {
        const state = (records.get(replicaKey(node, entry.ownerId, entry.fileId)) as { state?: ReplicaState } | undefined)?.state;
        replicas[node] = state !== undefined && REPLICA_STATES.has(state) ? state : 'pending';
      }
      return { ...rest, replicas };
    });
  }

  /** The plaintext of an inline file, if this node holds its bytes and can open them. */
  inlineData(userId: string, fileId: string): Buffer | undefined {
    const value = this.inlineValue(userId, fileId);
    if (!value) return undefined;
    try {
      return this.inline.open(value);
    } catch (error) {
      this.logger.error({ userId, fileId, err: error }, 'the sealed bytes of an inline file do not open');
      return undefined;
    }
  }

  /** An inline file's bytes as the index keeps them (sealed): what a copy of the file keeps too. */
  inlineValue(userId: string, fileId: string): InlineData | undefined {
    const parsed = inlineDataSchema.safeParse(this.index.get(dataKey(userId, fileId)));
    return parsed.success ? parsed.data : undefined;
  }

  /** Every inline file's stored bytes, in key order, a chunk at a time (the inline converter). */
  async *inlineValues(): AsyncGenerator<{ userId: string; fileId: string; value: InlineData }> {
    for await (const [key, value] of this.walk(DATA_PREFIX)) {
      const [userId, fileId] = key.slice(DATA_PREFIX.length).split('/');
      const parsed = inlineDataSchema.safeParse(value);
      if (userId && fileId && parsed.success) yield { userId, fileId, value: parsed.data };
    }
  }

  /**
   * Replaces the stored bytes of inline files by the same bytes sealed (or re-wrapped) under the
   * current master key, in one transaction. A file deleted since it was read is left alone, so
   * that the write cannot bring its bytes back.
   */
  async replaceInlineValues(changes: ReadonlyArray<{ userId: string; fileId: string; value: InlineData }>): Promise<number> {
    const writes = changes.filter(({ userId, fileId }) => this.entry(userId, fileId)?.deleted === false && this.inlineValue(userId, fileId) !== undefined);
    if (writes.length > 0) await this.writer.writeMany(writes.map(({ userId, fileId, value }) => ({ key: dataKey(userId, fileId), value })));
    return writes.length;
  }

  /** Resolves with the peers whose disk holds `fact` once `needed` of them do. */
  awaitPeerCopies(fact: Fact, needed: number, timeoutMs: number): Promise<NodeId[]> {
    return this.writer.awaitPeerCopies(fact, needed, timeoutMs);
  }

  /** Writes an inline file (its bytes, its `extra` facts, then its entry) in one transaction; the entry's fact is last. */
  async putInline(entry: FileEntry, data: Buffer, extra: ReadonlyArray<{ key: string; value: IndexValue }> = []): Promise<Fact[]> {
    return this.writer.writeMany([
      { key: dataKey(entry.ownerId, entry.fileId), value: this.inline.value(data) },
      ...extra,
      { key: fileKey(entry.ownerId, entry.fileId), value: { ...entry, inline: true } },
    ]);
  }

  private inlineStates(entry: FileEntry, holders: readonly NodeId[]): Record<NodeId, ReplicaState> {
    const fact = this.index.getHeader(dataKey(entry.ownerId, entry.fileId));
    const states: Record<NodeId, ReplicaState> = {};
    for (const node of holders) {
      const held = fact !== undefined && !fact.tombstone && (node === this.self || (this.writer.peerDigest(node)?.[fact.origin] ?? 0) >= fact.seq);
      states[node] = held ? 'stored' : 'pending';
    }
    return states;
  }

  /**
   * Writes a file's entry (with `extra` facts: its create op) and this node's replica record in
   * one transaction; the entry's fact is first.
   */
  async putEntry(entry: FileEntry, ownReplica?: ReplicaRecord, extra: ReadonlyArray<{ key: string; value: IndexValue }> = []): Promise<Fact[]> {
    const facts: Array<{ key: string; value: IndexValue }> = [{ key: fileKey(entry.ownerId, entry.fileId), value: entry }, ...extra];
    if (ownReplica) facts.push({ key: replicaKey(this.self, entry.ownerId, entry.fileId), value: ownReplica });
    return this.writer.writeMany(facts);
  }

  /** Any facts in one transaction: durable together or not at all (null deletes). */
  writeMany(entries: Array<{ key: string; value: IndexValue | null }>): Promise<Fact[]> {
    return this.writer.writeMany(entries);
  }

  /** Deletes a file's entry, and an inline file's bytes with it, in one transaction. */
  async deleteEntry(userId: string, fileId: string): Promise<void> {
    const tombstones: Array<{ key: string; value: null }> = [{ key: fileKey(userId, fileId), value: null }];
    if (this.index.get(dataKey(userId, fileId)) !== undefined) tombstones.push({ key: dataKey(userId, fileId), value: null });
    await this.writer.writeMany(tombstones);
  }

  async setOwnReplica(userId: string, fileId: string, state: ReplicaState, stored?: { sha256: string; size: number }): Promise<void> {
    const current = this.replicaRecord(this.self, userId, fileId);
    // Rewriting an unchanged state would only add gossip traffic.
    if (current?.state === state && current.sha256 === stored?.sha256 && current.size === stored?.size) return;
    await this.writer.write(replicaKey(this.self, userId, fileId), replicaRecordOf(state, stored));
  }

  async clearOwnReplica(userId: string, fileId: string): Promise<void> {
    if (this.index.get(replicaKey(this.self, userId, fileId)) === undefined) return;
    await this.writer.remove(replicaKey(this.self, userId, fileId));
  }

  /**
   * Entries of items found through the items table. Only values that passed the entry schema
   * when they were stored have an item row (ItemsSchema), so they are not parsed again here.
   */
  private entriesOf(userId: string, fileIds: readonly string[]): FileEntry[] {
    const entries: FileEntry[] = [];
    for (const fileId of fileIds) {
      const value = this.index.get(fileKey(userId, fileId));
      if (value !== undefined) entries.push(value as FileEntry);
    }
    return entries;
  }

  private async *walk(prefix: string): AsyncGenerator<[string, IndexValue]> {
    let after = '';
    while (true) {
      const chunk = this.index.entries(prefix, { after, limit: WALK_CHUNK });
      yield* chunk;
      if (chunk.length < WALK_CHUNK) return;
      after = chunk.at(-1)![0];
      await yieldToEventLoop();
    }
  }

  private parseEntry(key: string, value: IndexValue | undefined): FileEntry | undefined {
    if (value === undefined) return undefined;
    const parsed = fileEntrySchema.safeParse(value);
    if (!parsed.success) {
      this.logger.warn({ key }, 'ignoring a malformed file entry');
      return undefined;
    }
    return parsed.data.deleted ? undefined : parsed.data;
  }
}


/** A replica record as this node writes it: a stored one says its hash and size. */
export function replicaRecordOf(state: ReplicaState, stored?: { sha256: string; size: number }): ReplicaRecord {
  return { state, at: new Date().toISOString(), ...(stored ? { sha256: stored.sha256, size: stored.size } : {}) };
}
