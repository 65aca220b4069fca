import crypto from 'node:crypto';
import { rootFolderId, type FileEntry, type UsageView } from '../api/files';
import { ROOT_ALIAS, type FolderPage, type ItemView, type OnConflict, type PathStep } from '../api/tree';
import { AppError } from '../http/errors';
import type { IndexValue } from '../index/replicatedIndex';
import { holdersOf, type ReplicationContext } from '../replication/replicationContext';
import { KeyedMutex } from '../runtime/keyedMutex';
import type { ItemRecord, TreeQueries } from '../store/treeQueries';
import type { TreeTables } from '../store/treeTables';
import { ancestorsOf, placeOf, type TreeStorage } from '../tree/moveLog';
import type { ItemKind } from '../tree/itemName';
import type { TreeOpValue } from '../tree/treeOpFacts';
import { dataKey, fileKey, treeOpKey } from './fileKeys';
import { FolderNames } from './folderNames';
import { PendingNames, type PendingName } from './pendingNames';

/** What the root folder is called in paths and breadcrumbs. */
export const ROOT_NAME = 'My files';
/** Facts per transaction when a folder copy or delete writes many. */
const WRITE_CHUNK = 256;

export type FactWrite = { key: string; value: IndexValue | null };
export type OpWrite = { key: string; value: IndexValue };

/** A tree change, planned under the user's lock: what to write, the names it takes, what to answer once durable. */
export interface Plan<T> {
  writes: FactWrite[];
  /** A write already submitted by the caller (an upload's entry with its op), instead of `writes`. */
  written?: Promise<unknown>;
  /**
   * Keep the user's lock until the write is durable: for changes whose next caller must find
   * what this one made, not just avoid its names (a folder upload's paths, reused by each file).
   */
  holdLockUntilDurable?: boolean;
  names?: PendingName[];
  answer: () => T;
}

/**
 * What the tree's services share (treeService.ts, treeTrash.ts, treeVersions.ts): the user's
 * lock and the names being committed, the checks that answer 404 and 409, the ops and writes of
 * a change, and items as the API shows them. Not an API of its own: the node's routes use
 * TreeService.
 */
export class TreeCore {
  private readonly locks = new KeyedMutex();
  protected readonly pending = new PendingNames();

  constructor(
    readonly ctx: ReplicationContext,
    readonly queries: TreeQueries,
    readonly tables: TreeTables,
  ) {}

  item(userId: string, itemId: string): ItemView {
    const record = this.requireItem(userId, itemId);
    return { ...this.views(userId, record.parentId!, [record])[0]!, path: this.pathOf(userId, record.id) };
  }

  /**
   * The quota and what fills it, from counters and the trash's top-level rows, never a walk:
   * the trash's share is its items' bytes when they were deleted (DESIGN §5).
   */
  usage(userId: string): UsageView {
    const { bytes, files, versionBytes } = this.ctx.catalog.usage(userId);
    const trashed = this.queries.trashBytes(userId);
    const trash = Math.min(bytes, trashed.bytes + trashed.versionBytes);
    const versions = Math.min(bytes - trash, Math.max(0, versionBytes - trashed.versionBytes));
    return { used: bytes, limit: this.ctx.ledger.limit(userId), files, breakdown: { files: bytes - trash - versions, versions, trash } };
  }

  /**
   * Runs a change: planned (checks, names, ops) under the user's lock, which is let go as soon as
   * its write is submitted; the names it takes stay reserved until the write has settled, and
   * the answer is read once it is durable. A user's changes are still submitted in order.
   */
  async change<T>(userId: string, plan: () => Plan<T> | Promise<Plan<T>>): Promise<Awaited<T>> {
    const submitted = await this.locks.run(userId, async () => {
      const planned = await plan();
      const release = this.pending.reserve(userId, planned.names ?? []);
      // Not awaited here: the lock must not wait for the fsync.
      const durable = planned.written ?? this.write(planned.writes);
      if (planned.holdLockUntilDurable) await durable.catch(() => undefined);
      return { durable: durable.then(() => planned.answer()).finally(release) };
    });
    return (await submitted.durable) as Awaited<T>;
  }

  /** Tombstones of one content of a file: its entry, and an inline one's bytes. */
  contentTombstones(userId: string, fileId: string, entry: unknown): FactWrite[] {
    const writes: FactWrite[] = [{ key: fileKey(userId, fileId), value: null }];
    if ((entry as Partial<FileEntry> | undefined)?.inline) writes.push({ key: dataKey(userId, fileId), value: null });
    return writes;
  }

  names(userId: string, parentId: string): FolderNames {
    return new FolderNames(this.queries, userId, parentId, (name) => this.pending.has(userId, parentId, name));
  }

  nameFor(userId: string, parentId: string, name: string, kind: ItemKind, onConflict: OnConflict, exceptId?: string): string {
    const names = this.names(userId, parentId);
    if (!names.isTaken(name, exceptId)) return name;
    if (onConflict === 'fail') throw new AppError('name_taken', `"${name}" is already in this folder.`);
    return names.available(name, kind, exceptId);
  }

  op(userId: string, move: TreeOpValue): OpWrite {
    return { key: treeOpKey(userId, crypto.randomUUID()), value: move };
  }

  async write(writes: readonly FactWrite[]): Promise<void> {
    for (let i = 0; i < writes.length; i += WRITE_CHUNK) await this.ctx.catalog.writeMany(writes.slice(i, i + WRITE_CHUNK));
  }

  /**
   * Asks the user's quota owner for the bytes of a copy. The hold is let go at once: the copy's
   * entries are submitted right after, and count in usage once committed, which bounds the
   * overshoot by what other nodes commit in that moment (as for uploads, DESIGN §6).
   */
  async reserveQuota(userId: string, bytes: number): Promise<void> {
    const hold = await this.ctx.quota.client.reserve(userId, crypto.randomUUID(), bytes);
    if ('refused' in hold) throw new AppError('quota_exceeded', hold.refused);
    hold.release();
  }

  /** Every visible child of a folder, a page at a time. */
  forEachChild(userId: string, folderId: string, visit: (item: ItemRecord) => void): void {
    let cursor: string | undefined;
    do {
      const page = this.queries.children(userId, folderId, { sort: 'name', order: 'asc', limit: 500, ...(cursor ? { cursor } : {}) });
      for (const item of page.items) visit(item);
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  storage(userId: string): TreeStorage {
    return this.tables.forUser(userId);
  }

  resolve(userId: string, ref: string): string {
    return ref === ROOT_ALIAS ? rootFolderId(userId) : ref;
  }

  isLiveFolder(userId: string, folderId: string): boolean {
    if (folderId === rootFolderId(userId)) return true;
    const record = this.queries.item(userId, folderId);
    return record?.kind === 'folder' && placeOf(this.storage(userId), folderId) === 'root';
  }

  /** A folder of the user's tree (not in the trash), by id or `root`; 404 otherwise, another user's ids included. */
  requireFolder(userId: string, ref: string): string {
    const id = this.resolve(userId, ref);
    if (!this.isLiveFolder(userId, id)) throw new AppError('not_found', 'No such folder.');
    return id;
  }

  /** A visible item of the user's tree (a file with its entry, or a folder), not root itself. */
  requireItem(userId: string, itemId: string): ItemRecord {
    const record = itemId === ROOT_ALIAS ? undefined : this.queries.item(userId, itemId);
    const visible = record !== undefined && (record.kind === 'folder' || record.entry !== undefined);
    if (!visible || placeOf(this.storage(userId), itemId) !== 'root') throw new AppError('not_found', 'No such file or folder.');
    return record;
  }

  folderInfo(userId: string, folderId: string): FolderPage['folder'] {
    if (folderId === rootFolderId(userId)) return { id: ROOT_ALIAS, name: ROOT_NAME, path: [] };
    const record = this.queries.item(userId, folderId)!;
    const shown = new FolderNames(this.queries, userId, record.parentId!).displayNames([record]).get(record.id)!;
    return { id: folderId, name: shown, path: this.pathOf(userId, folderId) };
  }

  /** The folders above an item, root first. */
  pathOf(userId: string, itemId: string): PathStep[] {
    const root = rootFolderId(userId);
    return ancestorsOf(this.storage(userId), itemId).map((id) => (id === root ? { id: ROOT_ALIAS, name: ROOT_NAME } : { id, name: this.queries.item(userId, id)?.name ?? '' }));
  }

  /** Items of one folder as the API shows them: shown names, and a file's entry with its replicas. */
  views(userId: string, folderId: string, records: readonly ItemRecord[], shownNames?: ReadonlyMap<string, string>): ItemView[] {
    const names = shownNames ?? new FolderNames(this.queries, userId, folderId).displayNames(records);
    const entries = records.filter((record) => record.kind === 'file' && record.entry !== undefined).map((record) => record.entry as FileEntry);
    const fileViews = new Map(this.ctx.catalog.views(entries, (entry) => holdersOf(this.ctx, entry)).map((view) => [view.itemId ?? view.fileId, view]));
    const parentId = folderId === rootFolderId(userId) ? ROOT_ALIAS : folderId;
    return records.map((record): ItemView => {
      const base = { id: record.id, kind: record.kind, name: names.get(record.id)!, parentId, size: record.size, createdAt: record.createdAt, modifiedAt: record.modifiedAt };
      const file = fileViews.get(record.id);
      if (!file) return base;
      return { ...base, sha256: file.sha256, mime: file.mime, replicas: file.replicas, versionCount: record.versionCount };
    });
  }
}
