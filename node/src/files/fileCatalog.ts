import type { Logger } from 'pino';
import type { Fact, NodeId } from '../gossip/frames';
import type { ReplicatedIndex, IndexValue } from '../index/replicatedIndex';
import {
  fileEntrySchema,
  replicaRecordSchema,
  type FileEntry,
  type FileView,
  type ReplicaRecord,
  type ReplicaState,
} from '../api/files';
import { FILE_PREFIX, fileKey, nodeReplicasPrefix, parseKey, replicaKey, userFilesPrefix } from './fileKeys';

export interface IndexWriter {
  write(key: string, value: IndexValue): Promise<Fact>;
  remove(key: string): Promise<Fact>;
}

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

  entries(userId: string): FileEntry[] {
    return this.collect(userFilesPrefix(userId));
  }

  allEntries(): FileEntry[] {
    return this.collect(FILE_PREFIX);
  }

  replicaRecord(node: NodeId, userId: string, fileId: string): ReplicaRecord | undefined {
    const key = replicaKey(node, userId, fileId);
    const value = this.index.get(key);
    if (value === undefined) return undefined;
    const parsed = replicaRecordSchema.safeParse(value);
    if (!parsed.success) this.logger.warn({ key }, 'ignoring a malformed replica record');
    return parsed.success ? parsed.data : undefined;
  }

  /** The state of each expected replica; a node with no record yet is still `pending`. */
  replicaStates(userId: string, fileId: string, expected: readonly NodeId[]): Record<NodeId, ReplicaState> {
    const states: Record<NodeId, ReplicaState> = {};
    for (const node of expected) states[node] = this.replicaRecord(node, userId, fileId)?.state ?? 'pending';
    return states;
  }

  view(entry: FileEntry, expected: readonly NodeId[]): FileView {
    const { deleted: _deleted, ...rest } = entry;
    return { ...rest, replicas: this.replicaStates(entry.ownerId, entry.fileId, expected) };
  }

  /** Every replica record this node has written and not yet withdrawn. */
  ownReplicas(): Array<{ userId: string; fileId: string; record: ReplicaRecord }> {
    const result: Array<{ userId: string; fileId: string; record: ReplicaRecord }> = [];
    for (const [key] of this.index.entries(nodeReplicasPrefix(this.self))) {
      const parsed = parseKey(key);
      if (parsed.kind !== 'replica') continue;
      const record = this.replicaRecord(this.self, parsed.userId, parsed.fileId);
      if (record) result.push({ userId: parsed.userId, fileId: parsed.fileId, record });
    }
    return result;
  }

  async putEntry(entry: FileEntry): Promise<void> {
    await this.writer.write(fileKey(entry.ownerId, entry.fileId), entry);
  }

  async deleteEntry(userId: string, fileId: string): Promise<void> {
    await this.writer.remove(fileKey(userId, fileId));
  }

  async setOwnReplica(userId: string, fileId: string, state: ReplicaState, sha256?: string): Promise<void> {
    const current = this.replicaRecord(this.self, userId, fileId);
    // Rewriting an unchanged state would only add gossip traffic.
    if (current?.state === state && current.sha256 === sha256) return;
    const record: ReplicaRecord = { state, at: new Date().toISOString(), ...(sha256 ? { sha256 } : {}) };
    await this.writer.write(replicaKey(this.self, userId, fileId), record);
  }

  async clearOwnReplica(userId: string, fileId: string): Promise<void> {
    if (this.index.get(replicaKey(this.self, userId, fileId)) === undefined) return;
    await this.writer.remove(replicaKey(this.self, userId, fileId));
  }

  private collect(prefix: string): FileEntry[] {
    const result: FileEntry[] = [];
    for (const [key, value] of this.index.entries(prefix)) {
      const entry = this.parseEntry(key, value);
      if (entry) result.push(entry);
    }
    return result;
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

