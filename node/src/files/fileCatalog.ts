import type { Logger } from 'pino';
import type { Fact, NodeId } from '../gossip/frames';
import type { ReplicatedIndex, IndexValue } from '../index/replicatedIndex';
import {
  fileEntrySchema,
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
import { FILE_PREFIX, fileKey, nodeReplicasPrefix, parseKey, replicaKey } from './fileKeys';

export interface IndexWriter {
  write(key: string, value: IndexValue): Promise<Fact>;
  remove(key: string): Promise<Fact>;
  /** All in one transaction: durable together or not at all (null deletes). */
  writeMany(entries: Array<{ key: string; value: IndexValue | null }>): Promise<Fact[]>;
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
  ) {}

  entry(userId: string, fileId: string): FileEntry | undefined {
    return this.parseEntry(fileKey(userId, fileId), this.index.get(fileKey(userId, fileId)));
  }

  /** True when the file existed and was deleted (a tombstone is known). */
  isDeleted(userId: string, fileId: string): boolean {
    const fact = this.index.getFact(fileKey(userId, fileId));
    return fact !== undefined && fact.value === null;
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

  view(entry: FileEntry, expected: readonly NodeId[]): FileView {
    return this.views([entry], () => expected)[0]!;
  }

  /** Files as the API shows them, with where their replicas are (a node with no record yet is `pending`): one read for all their records. */
  views(entries: readonly FileEntry[], expectedOf: (fileId: string) => readonly NodeId[]): FileView[] {
    const keys = entries.flatMap((entry) => expectedOf(entry.fileId).map((node) => replicaKey(node, entry.ownerId, entry.fileId)));
    const records = keys.length > 0 ? this.queries.values(keys) : new Map<string, unknown>();
    return entries.map((entry) => {
      const replicas: Record<NodeId, ReplicaState> = {};
      for (const node of expectedOf(entry.fileId)) {
        const state = (records.get(replicaKey(node, entry.ownerId, entry.fileId)) as { state?: ReplicaState } | undefined)?.state;
        replicas[node] = state !== undefined && REPLICA_STATES.has(state) ? state : 'pending';
      }
      const { deleted: _deleted, ...rest } = entry;
      return { ...rest, replicas };
    });
  }

  /** Writes a file's entry, and this node's replica record with it when it holds one. */
  async putEntry(entry: FileEntry, ownReplica?: ReplicaRecord): Promise<void> {
    const facts: Array<{ key: string; value: IndexValue }> = [{ key: fileKey(entry.ownerId, entry.fileId), value: entry }];
    if (ownReplica) facts.push({ key: replicaKey(this.self, entry.ownerId, entry.fileId), value: ownReplica });
    await this.writer.writeMany(facts);
  }

  async deleteEntry(userId: string, fileId: string): Promise<void> {
    await this.writer.remove(fileKey(userId, fileId));
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
