import crypto from 'node:crypto';
import type { Fact } from '../gossip/frames';
import { fileEntrySchema, rootFolderId, trashFolderId, type FileEntry, type ListOrder, type ListSort, type UsageView } from '../api/files';
import {
  ROOT_ALIAS,
  type FolderPage,
  type ItemView,
  type OnConflict,
  type PathStep,
  type TrashItemView,
  type TrashPage,
  type UploadConflict,
  type VersionView,
  type WalkPage,
} from '../api/tree';
import { AppError } from '../http/errors';
import type { IndexValue } from '../index/replicatedIndex';
import { holdersOf, type ReplicationContext } from '../replication/replicationContext';
import { UploadError } from '../replication/uploadError';
import { KeyedMutex } from '../runtime/keyedMutex';
import { sortName } from '../store/sortName';
import { encodeCursor } from '../store/pageCursor';
import type { ItemRecord, TreeQueries } from '../store/treeQueries';
import type { TreeTables } from '../store/treeTables';
import { ancestorsOf, isAncestor, moveRefusal, placeOf, type TreeStorage } from '../tree/moveLog';
import { nameKey, type ItemKind } from '../tree/itemName';
import type { TreeOpValue } from '../tree/treeOpFacts';
import { dataKey, fileKey, treeOpKey } from './fileKeys';
import { FolderNames } from './folderNames';
import { PendingNames, type PendingName } from './pendingNames';
import { walkCursorSchema, type WalkFrame } from './walkCursor';

/** What the root folder is called in paths and breadcrumbs. */
export const ROOT_NAME = 'My files';
/** Facts per transaction when a folder copy or delete writes many. */
const WRITE_CHUNK = 256;

type FactWrite = { key: string; value: IndexValue | null };
type OpWrite = { key: string; value: IndexValue };

/** A tree change, planned under the user's lock: what to write, the names it takes, what to answer once durable. */
interface Plan<T> {
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
 * The API side of the replicated tree (DESIGN §5, §8): reads of folders and items for the
 * gateway, and changes written as move ops. A change is checked against this region's tree
 * (404, 409 `name_taken`, 409 `invalid_move`) and written in one transaction, one user at a
 * time, so that two requests in one region cannot both take a name. What regions do at once
 * is settled by the move rule (tree/moveLog.ts) and conflict names (folderNames.ts).
 *
 * A tree change is acknowledged once it is durable on this node, like a move in the paper:
 * regions cut off from each other keep working, and the change reaches the others by gossip.
 * File bytes and entries keep their W=2 (uploads).
 */
export class TreeService {
  private readonly locks = new KeyedMutex();
  private readonly pending = new PendingNames();

  constructor(
    private readonly ctx: ReplicationContext,
    private readonly queries: TreeQueries,
    private readonly tables: TreeTables,
  ) {}

  // ---- reads ----

  folderPage(userId: string, folderRef: string, query: { sort: ListSort; order: ListOrder; limit: number; cursor?: string }): FolderPage {
    const folderId = this.requireFolder(userId, folderRef);
    const page = this.queries.children(userId, folderId, query);
    return {
      folder: this.folderInfo(userId, folderId),
      items: this.views(userId, folderId, page.items),
      ...(page.cursor ? { cursor: page.cursor } : {}),
      usage: this.usage(userId),
    };
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
   * The entry of what a file id shows now: a file item's current content (none while the item is
   * in the trash), or else the content with that id (a version, or a file whose op is on its way).
   */
  currentEntry(userId: string, id: string): FileEntry | undefined {
    const record = this.queries.item(userId, id);
    if (!record) return this.ctx.catalog.entry(userId, id);
    if (record.kind !== 'file' || record.entry === undefined || placeOf(this.storage(userId), id) !== 'root') return undefined;
    return record.entry as FileEntry;
  }

  item(userId: string, itemId: string): ItemView {
    const record = this.requireItem(userId, itemId);
    return { ...this.views(userId, record.parentId!, [record])[0]!, path: this.pathOf(userId, record.id) };
  }

  search(userId: string, opts: { q: string; type?: ItemKind; folder?: string; limit: number }): ItemView[] {
    const within = opts.folder === undefined ? undefined : this.requireFolder(userId, opts.folder);
    const storage = this.storage(userId);
    const out: ItemView[] = [];
    // Hits in the trash, in folders being created elsewhere or outside `folder` are dropped
    // after the index lookup: ask for more than the page so that a page usually fills.
    for (const record of this.queries.search(userId, opts.q, Math.min(opts.limit * 4, 800))) {
      if (out.length >= opts.limit) break;
      if (opts.type && record.kind !== opts.type) continue;
      if (placeOf(storage, record.id) !== 'root') continue;
      if (within !== undefined && within !== rootFolderId(userId) && !isAncestor(storage, within, record.id)) continue;
      out.push({ ...this.views(userId, record.parentId!, [record])[0]!, path: this.pathOf(userId, record.id) });
    }
    return out;
  }

  /**
   * A page of a folder's whole subtree, depth first, each folder before what it holds, with
   * paths relative to the folder in shown names (so two clashing names stay two entries).
   */
  walk(userId: string, folderRef: string, opts: { limit: number; cursor?: string }): WalkPage {
    const top = this.requireFolder(userId, folderRef);
    const stack: WalkFrame[] = opts.cursor === undefined ? [{ folderId: top, path: '' }] : this.resumeWalk(userId, top, opts.cursor);
    const entries: WalkPage['entries'] = [];
    while (stack.length > 0 && entries.length < opts.limit) {
      const frame = stack.at(-1)!;
      const page = this.queries.children(userId, frame.folderId, { sort: 'name', order: 'asc', limit: opts.limit - entries.length, ...(frame.after ? { cursor: frame.after } : {}) });
      const views = this.views(userId, frame.folderId, page.items);
      let descended = false;
      for (let i = 0; i < page.items.length; i++) {
        const record = page.items[i]!;
        const path = frame.path === '' ? views[i]!.name : `${frame.path}/${views[i]!.name}`;
        entries.push({ path, item: views[i]! });
        frame.after = encodeCursor([sortName(record.name), record.id]);
        if (record.kind === 'folder') {
          stack.push({ folderId: record.id, path });
          descended = true;
          break;
        }
      }
      if (!descended && page.cursor === undefined) stack.pop();
    }
    return { entries, ...(stack.length > 0 ? { cursor: encodeCursor(stack.map((frame) => [frame.folderId, frame.after ?? null])) } : {}) };
  }

  // ---- changes ----

  createFolder(userId: string, parentRef: string, name: string, onConflict: OnConflict): Promise<ItemView> {
    return this.change(userId, () => {
      const parentId = this.requireFolder(userId, parentRef);
      const finalName = this.nameFor(userId, parentId, name, 'folder', onConflict);
      const id = crypto.randomUUID();
      return {
        writes: [this.op(userId, { itemId: id, newParentId: parentId, newName: finalName, kind: 'folder' })],
        names: [{ parentId, name: finalName }],
        answer: () => this.item(userId, id),
      };
    });
  }

  /** The folder at `names` under a folder, made where missing; existing folders of those names are reused. */
  ensurePath(userId: string, parentRef: string, names: readonly string[]): Promise<ItemView> {
    return this.change(userId, () => {
      let parentId = this.requireFolder(userId, parentRef);
      const writes: FactWrite[] = [];
      const taken: Array<{ parentId: string; name: string }> = [];
      let creating = false;
      for (const name of names) {
        const existing = creating ? undefined : this.queries.withNameKey(userId, parentId, name.normalize('NFC')).find((item) => item.kind === 'folder');
        if (existing) {
          parentId = existing.id;
          continue;
        }
        // A file of that name: the folder gets a free name beside it rather than failing the upload.
        const finalName = creating ? name : this.names(userId, parentId).available(name, 'folder');
        const id = crypto.randomUUID();
        writes.push(this.op(userId, { itemId: id, newParentId: parentId, newName: finalName, kind: 'folder' }));
        taken.push({ parentId, name: finalName });
        parentId = id;
        creating = true;
      }
      const folderId = parentId;
      return { writes, names: taken, holdLockUntilDurable: true, answer: () => this.item(userId, folderId) };
    });
  }

  update(userId: string, itemId: string, change: { name?: string; parentId?: string; onConflict: OnConflict }): Promise<ItemView> {
    return this.change(userId, () => {
      const record = this.requireItem(userId, itemId);
      const parentId = change.parentId === undefined ? record.parentId! : this.requireFolder(userId, change.parentId);
      const refusal = moveRefusal(this.storage(userId), itemId, parentId);
      if (refusal !== null) throw new AppError('invalid_move', refusal === 'into_itself' ? 'A folder cannot be moved into itself.' : 'A folder cannot be moved into one of its own folders.');
      const name = change.name ?? record.name;
      if (parentId === record.parentId && name === record.name) return { writes: [], answer: () => this.item(userId, itemId) };
      const finalName = this.nameFor(userId, parentId, name, record.kind, change.onConflict, itemId);
      return {
        writes: [this.op(userId, { itemId, newParentId: parentId, newName: finalName, kind: record.kind })],
        names: [{ parentId, name: finalName }],
        answer: () => this.item(userId, itemId),
      };
    });
  }

  /**
   * Copies a file (a new entry sharing the bytes: each node links the blob, DESIGN §5) or a
   * folder with everything in it. Quota counts the copy, and is checked for all of it first.
   */
  copy(userId: string, itemId: string, target: { parentId: string; name?: string; onConflict: OnConflict }): Promise<ItemView> {
    return this.change(userId, async () => {
      const record = this.requireItem(userId, itemId);
      const parentId = this.requireFolder(userId, target.parentId);
      if (record.kind === 'folder' && (parentId === itemId || isAncestor(this.storage(userId), itemId, parentId))) {
        throw new AppError('invalid_move', 'A folder cannot be copied into itself or one of its own folders.');
      }
      const name = this.nameFor(userId, parentId, target.name ?? record.name, record.kind, target.onConflict);
      const writes: FactWrite[] = [];
      let bytes = 0;
      const copyOf = (source: ItemRecord, newParentId: string, newName: string): string => {
        const id = crypto.randomUUID();
        if (source.kind === 'folder') {
          writes.push(this.op(userId, { itemId: id, newParentId, newName, kind: 'folder' }));
          return id;
        }
        const entry = source.entry as FileEntry;
        const now = new Date().toISOString();
        const { itemId: _versionOf, ...content } = entry;
        const copied: FileEntry = { ...content, fileId: id, name: newName, parentId: newParentId, createdAt: now, modifiedAt: entry.modifiedAt ?? entry.createdAt, placedByTree: true, copiedFrom: entry.fileId };
        if (entry.inline) {
          const data = this.ctx.catalog.inlineData(userId, entry.fileId);
          if (!data) throw new AppError('unavailable', `The bytes of "${source.name}" have not reached this node yet; try again shortly.`);
          writes.push({ key: dataKey(userId, id), value: { base64: data.toString('base64') } });
        }
        writes.push({ key: fileKey(userId, id), value: copied });
        writes.push(this.op(userId, { itemId: id, newParentId, newName, kind: 'file' }));
        bytes += entry.size;
        return id;
      };
      const copyId = copyOf(record, parentId, name);
      if (record.kind === 'folder') this.copySubtree(userId, record.id, copyId, copyOf);
      if (bytes > 0) await this.reserveQuota(userId, bytes);
      return { writes, names: [{ parentId, name }], answer: () => this.item(userId, copyId) };
    });
  }

  /**
   * Takes an item to the trash: a move under the user's trash item, which remembers where it was
   * (previousParentId). Its contents stay, and count in the quota, until the trash is purged.
   */
  delete(userId: string, itemId: string): Promise<void> {
    return this.change(userId, () => {
      const record = this.requireItem(userId, itemId);
      return { writes: [this.op(userId, { itemId, newParentId: trashFolderId(userId), newName: record.name, kind: record.kind })], answer: () => undefined };
    });
  }

  // ---- the trash ----

  trash(userId: string, opts: { limit: number; cursor?: string }): TrashPage {
    const page = this.queries.trashPage(userId, opts);
    const trashId = trashFolderId(userId);
    const views = this.views(userId, trashId, page.items, new Map(page.items.map((record) => [record.id, record.name])));
    const items = page.items.map((record, i): TrashItemView => ({ ...views[i]!, ...this.origin(userId, record), deletedAt: new Date(record.trashedAt ?? 0).toISOString() }));
    return { items, ...(page.cursor ? { cursor: page.cursor } : {}), usage: this.usage(userId), retentionMs: this.ctx.settings.trashRetentionMs };
  }

  /** Puts a top-level item of the trash back where it was (the root if that folder is gone), with a free name there. */
  restore(userId: string, itemId: string): Promise<ItemView> {
    return this.change(userId, () => {
      const record = this.requireTrashed(userId, itemId);
      const previous = record.previousParentId;
      const parentId = previous !== null && this.isLiveFolder(userId, previous) ? previous : rootFolderId(userId);
      const name = this.nameFor(userId, parentId, record.name, record.kind, 'rename');
      return {
        writes: [this.op(userId, { itemId, newParentId: parentId, newName: name, kind: record.kind })],
        names: [{ parentId, name }],
        answer: () => this.item(userId, itemId),
      };
    });
  }

  /**
   * Deletes a top-level item of the trash for good: every content of every file under it is
   * tombstoned (freeing the quota; each node drops its blobs as it learns it), then the item is
   * purged from the tree. The op is written last, so a purge cut short leaves the item in the
   * trash to be purged again, never contents nobody can see. Returns the files purged.
   */
  purge(userId: string, itemId: string): Promise<number> {
    return this.change(userId, () => {
      const record = this.requireTrashed(userId, itemId);
      const writes: FactWrite[] = [];
      let files = 0;
      const visit = (item: ItemRecord) => {
        if (item.kind === 'folder') return this.forEachChild(userId, item.id, visit);
        files++;
        for (const version of this.queries.versions(userId, item.id)) writes.push(...this.contentTombstones(userId, version.fileId, version.entry));
      };
      visit(record);
      writes.push(this.op(userId, { itemId, newParentId: null, newName: record.name, kind: record.kind }));
      return { writes, holdLockUntilDurable: true, answer: () => files };
    });
  }

  /** Purges every top-level item of the trash; returns how many. */
  async emptyTrash(userId: string): Promise<number> {
    let purged = 0;
    for (;;) {
      const page = this.queries.trashPage(userId, { limit: 100 });
      if (page.items.length === 0) return purged;
      for (const record of page.items) {
        try {
          await this.purge(userId, record.id);
          purged++;
        } catch (error) {
          // Restored meanwhile: it is no longer in the trash, and the next page will not show it.
          if (!(error instanceof AppError && error.code === 'not_found')) throw error;
        }
      }
    }
  }

  // ---- versions ----

  /** A file's contents, newest (current) first. */
  versions(userId: string, itemId: string): VersionView[] {
    const record = this.requireItem(userId, itemId);
    if (record.kind !== 'file') throw new AppError('not_found', 'Folders have no versions.');
    return this.queries.versions(userId, itemId).flatMap((version, i) => {
      const entry = fileEntrySchema.safeParse(version.entry);
      if (!entry.success) return [];
      return [{ versionId: version.fileId, size: version.size, sha256: entry.data.sha256, mime: entry.data.mime, createdAt: version.at, current: i === 0 }];
    });
  }

  /** The entry of one content of a file (to download it), 404 unless it is one of that file's. */
  versionEntry(userId: string, itemId: string, versionId: string): FileEntry {
    this.requireItem(userId, itemId);
    const entry = this.ctx.catalog.entry(userId, versionId);
    if (!entry || (entry.itemId ?? entry.fileId) !== itemId) throw new AppError('not_found', 'No such version.');
    return entry;
  }

  /**
   * Makes an older content current again, as a new version with the same bytes (each node links
   * the blob, as for a copy): the history keeps what was current before.
   */
  restoreVersion(userId: string, itemId: string, versionId: string): Promise<ItemView> {
    return this.change(userId, async () => {
      const record = this.requireItem(userId, itemId);
      const source = this.versionEntry(userId, itemId, versionId);
      const current = record.entry as FileEntry;
      if (current.fileId === source.fileId) return { writes: [], answer: () => this.item(userId, itemId) };
      const fileId = crypto.randomUUID();
      const now = new Date().toISOString();
      const { itemId: _item, copiedFrom: _copied, ...content } = source;
      const restored: FileEntry = { ...content, fileId, itemId, name: current.name, parentId: current.parentId ?? rootFolderId(userId), createdAt: current.createdAt, modifiedAt: now, placedByTree: true, copiedFrom: source.fileId };
      const writes: FactWrite[] = [];
      if (source.inline) {
        const data = this.ctx.catalog.inlineData(userId, source.fileId);
        if (!data) throw new AppError('unavailable', 'The bytes of that version have not reached this node yet; try again shortly.');
        writes.push({ key: dataKey(userId, fileId), value: { base64: data.toString('base64') } });
      }
      writes.push({ key: fileKey(userId, fileId), value: restored });
      await this.reserveQuota(userId, source.size);
      return { writes, answer: () => this.item(userId, itemId) };
    });
  }

  /** Deletes one older content of a file; the current one cannot be (409). */
  deleteVersion(userId: string, itemId: string, versionId: string): Promise<void> {
    return this.change(userId, () => {
      const record = this.requireItem(userId, itemId);
      const entry = this.versionEntry(userId, itemId, versionId);
      if ((record.entry as FileEntry).fileId === entry.fileId) throw new AppError('conflict', 'The current version cannot be deleted: restore another one first, or delete the file.');
      return { writes: this.contentTombstones(userId, entry.fileId, entry), answer: () => undefined };
    });
  }

  /**
   * Deletes older contents chosen by thinning (versionThinning.ts), each only if it is still not
   * the current one when the user's lock is held.
   */
  thin(userId: string, itemId: string, fileIds: readonly string[]): Promise<number> {
    return this.change(userId, () => {
      const versions = this.queries.versions(userId, itemId);
      const current = versions[0]?.fileId;
      const doomed = new Set(fileIds);
      const writes = versions.filter((version) => version.fileId !== current && doomed.has(version.fileId)).flatMap((version) => this.contentTombstones(userId, version.fileId, version.entry));
      return { writes, answer: () => writes.filter((write) => write.key.startsWith('file/')).length };
    });
  }

  /**
   * The last step of an upload: the file's entry and its create op in one transaction, under the
   * user's lock, with the name decided now (another upload may have taken it meanwhile). With
   * `version`, a file of that name gets the upload as its new current content instead (no op:
   * the item stays where it is). `write` stores the facts (the entry's own way: inline bytes,
   * replica record).
   */
  commitNewFile(entry: FileEntry, onConflict: UploadConflict, write: (entry: FileEntry, op: OpWrite | undefined) => Promise<Fact[]>): Promise<{ entry: FileEntry; facts: Fact[] }> {
    const userId = entry.ownerId;
    return this.change(userId, () => {
      const parentId = entry.parentId ?? rootFolderId(userId);
      if (!this.isLiveFolder(userId, parentId)) throw new UploadError('not_found', 'The folder was deleted during the upload.');
      const existing = onConflict === 'version' ? this.fileNamed(userId, parentId, entry.name) : undefined;
      if (existing) {
        const placed: FileEntry = { ...entry, name: existing.name, parentId, itemId: existing.id, createdAt: existing.createdAt ?? entry.createdAt, placedByTree: true };
        const facts = write(placed, undefined);
        return { writes: [], written: facts, answer: async () => ({ entry: placed, facts: await facts }) };
      }
      const name = this.uploadName(userId, parentId, entry.name, onConflict === 'fail' ? 'fail' : 'rename');
      const placed: FileEntry = { ...entry, name, parentId, placedByTree: true };
      const facts = write(placed, this.op(userId, { itemId: entry.fileId, newParentId: parentId, newName: name, kind: 'file' }));
      return { writes: [], written: facts, names: [{ parentId, name, fileId: entry.fileId }], answer: async () => ({ entry: placed, facts: await facts }) };
    });
  }

  /** Before an upload streams: its folder exists, and with `fail` its name is free (checked again at commit). */
  checkUpload(userId: string, folderRef: string, name: string, onConflict: UploadConflict): string {
    const parentId = this.requireFolder(userId, folderRef);
    if (onConflict === 'fail') this.uploadName(userId, parentId, name, 'fail');
    return parentId;
  }

  // ---- helpers ----

  /**
   * Runs a change: planned (checks, names, ops) under the user's lock, which is let go as soon as
   * its write is submitted; the names it takes stay reserved until the write has settled, and
   * the answer is read once it is durable. A user's changes are still submitted in order.
   */
  private async change<T>(userId: string, plan: () => Plan<T> | Promise<Plan<T>>): Promise<Awaited<T>> {
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

  /** The file shown under `name` in a folder (or being created under it right now), which an upload of that name makes a new version of. */
  private fileNamed(userId: string, parentId: string, name: string): { id: string; name: string; createdAt?: string } | undefined {
    const group = this.queries.withNameKey(userId, parentId, nameKey(name)).filter((item) => item.kind === 'file');
    if (group.length > 0) {
      const shown = new FolderNames(this.queries, userId, parentId).displayNames(group);
      const file = group.find((item) => shown.get(item.id) === name.normalize('NFC')) ?? (group.length === 1 ? group[0] : undefined);
      if (file) return { id: file.id, name: file.name, createdAt: (file.entry as FileEntry).createdAt };
    }
    const pending = this.pending.pendingFile(userId, parentId, name);
    return pending === undefined ? undefined : { id: pending, name: name.normalize('NFC') };
  }

  /** Tombstones of one content of a file: its entry, and an inline one's bytes. */
  private contentTombstones(userId: string, fileId: string, entry: unknown): FactWrite[] {
    const writes: FactWrite[] = [{ key: fileKey(userId, fileId), value: null }];
    if ((entry as Partial<FileEntry> | undefined)?.inline) writes.push({ key: dataKey(userId, fileId), value: null });
    return writes;
  }

  /** A top-level item of the user's trash; 404 otherwise. */
  private requireTrashed(userId: string, itemId: string): ItemRecord {
    const record = itemId === ROOT_ALIAS ? undefined : this.queries.item(userId, itemId);
    const visible = record !== undefined && (record.kind === 'folder' || record.entry !== undefined);
    if (!visible || record.parentId !== trashFolderId(userId)) throw new AppError('not_found', 'No such item in the trash.');
    return record;
  }

  /**
   * Where a trashed item came from: the folder it goes back to (if still in the tree) and that
   * folder's path; for a folder deleted since, the names up to where it is now.
   */
  private origin(userId: string, record: ItemRecord): { originalPath: string; originalParentId: string } {
    const previous = record.previousParentId;
    if (previous === null || previous === rootFolderId(userId)) return { originalPath: '/', originalParentId: ROOT_ALIAS };
    if (this.isLiveFolder(userId, previous)) {
      const names = [...this.pathOf(userId, previous).slice(1).map((step) => step.name), this.queries.item(userId, previous)?.name ?? ''];
      return { originalPath: `/${names.join('/')}`, originalParentId: previous };
    }
    const names: string[] = [];
    for (let id: string | null = previous; id !== null && names.length < 64; ) {
      const item = this.queries.item(userId, id);
      if (!item) break;
      names.unshift(item.name);
      id = item.parentId === trashFolderId(userId) || item.parentId === rootFolderId(userId) ? null : item.parentId;
    }
    return { originalPath: `/${names.join('/')}`, originalParentId: ROOT_ALIAS };
  }

  private names(userId: string, parentId: string): FolderNames {
    return new FolderNames(this.queries, userId, parentId, (name) => this.pending.has(userId, parentId, name));
  }

  private uploadName(userId: string, parentId: string, name: string, onConflict: OnConflict): string {
    const names = this.names(userId, parentId);
    if (!names.isTaken(name)) return name;
    if (onConflict === 'fail') throw new UploadError('name_taken', `"${name}" is already in this folder.`);
    return names.available(name, 'file');
  }

  private nameFor(userId: string, parentId: string, name: string, kind: ItemKind, onConflict: OnConflict, exceptId?: string): string {
    const names = this.names(userId, parentId);
    if (!names.isTaken(name, exceptId)) return name;
    if (onConflict === 'fail') throw new AppError('name_taken', `"${name}" is already in this folder.`);
    return names.available(name, kind, exceptId);
  }

  private op(userId: string, move: TreeOpValue): OpWrite {
    return { key: treeOpKey(userId, crypto.randomUUID()), value: move };
  }

  private async write(writes: readonly FactWrite[]): Promise<void> {
    for (let i = 0; i < writes.length; i += WRITE_CHUNK) await this.ctx.catalog.writeMany(writes.slice(i, i + WRITE_CHUNK));
  }

  /**
   * Asks the user's quota owner for the bytes of a copy. The hold is let go at once: the copy's
   * entries are submitted right after, and count in usage once committed, which bounds the
   * overshoot by what other nodes commit in that moment (as for uploads, DESIGN §6).
   */
  private async reserveQuota(userId: string, bytes: number): Promise<void> {
    const hold = await this.ctx.quota.client.reserve(userId, crypto.randomUUID(), bytes);
    if ('refused' in hold) throw new AppError('quota_exceeded', hold.refused);
    hold.release();
  }

  private copySubtree(userId: string, fromId: string, toId: string, copyOf: (source: ItemRecord, parentId: string, name: string) => string): void {
    this.forEachChild(userId, fromId, (child) => {
      const copied = copyOf(child, toId, child.name);
      if (child.kind === 'folder') this.copySubtree(userId, child.id, copied, copyOf);
    });
  }

  /** Every visible child of a folder, a page at a time. */
  private forEachChild(userId: string, folderId: string, visit: (item: ItemRecord) => void): void {
    let cursor: string | undefined;
    do {
      const page = this.queries.children(userId, folderId, { sort: 'name', order: 'asc', limit: 500, ...(cursor ? { cursor } : {}) });
      for (const item of page.items) visit(item);
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  private storage(userId: string): TreeStorage {
    return this.tables.forUser(userId);
  }

  private resolve(userId: string, ref: string): string {
    return ref === ROOT_ALIAS ? rootFolderId(userId) : ref;
  }

  private isLiveFolder(userId: string, folderId: string): boolean {
    if (folderId === rootFolderId(userId)) return true;
    const record = this.queries.item(userId, folderId);
    return record?.kind === 'folder' && placeOf(this.storage(userId), folderId) === 'root';
  }

  /** A folder of the user's tree (not in the trash), by id or `root`; 404 otherwise, another user's ids included. */
  private requireFolder(userId: string, ref: string): string {
    const id = this.resolve(userId, ref);
    if (!this.isLiveFolder(userId, id)) throw new AppError('not_found', 'No such folder.');
    return id;
  }

  /** A visible item of the user's tree (a file with its entry, or a folder), not root itself. */
  private requireItem(userId: string, itemId: string): ItemRecord {
    const record = itemId === ROOT_ALIAS ? undefined : this.queries.item(userId, itemId);
    const visible = record !== undefined && (record.kind === 'folder' || record.entry !== undefined);
    if (!visible || placeOf(this.storage(userId), itemId) !== 'root') throw new AppError('not_found', 'No such file or folder.');
    return record;
  }

  private folderInfo(userId: string, folderId: string): FolderPage['folder'] {
    if (folderId === rootFolderId(userId)) return { id: ROOT_ALIAS, name: ROOT_NAME, path: [] };
    const record = this.queries.item(userId, folderId)!;
    const shown = new FolderNames(this.queries, userId, record.parentId!).displayNames([record]).get(record.id)!;
    return { id: folderId, name: shown, path: this.pathOf(userId, folderId) };
  }

  /** The folders above an item, root first. */
  private pathOf(userId: string, itemId: string): PathStep[] {
    const root = rootFolderId(userId);
    return ancestorsOf(this.storage(userId), itemId).map((id) => (id === root ? { id: ROOT_ALIAS, name: ROOT_NAME } : { id, name: this.queries.item(userId, id)?.name ?? '' }));
  }

  /** Items of one folder as the API shows them: shown names, and a file's entry with its replicas. */
  private views(userId: string, folderId: string, records: readonly ItemRecord[], shownNames?: ReadonlyMap<string, string>): ItemView[] {
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

  private resumeWalk(userId: string, top: string, cursor: string): WalkFrame[] {
    let frames: Array<[string, string | null]>;
    try {
      frames = walkCursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    } catch {
      throw new AppError('invalid_request', 'cursor: not a cursor from a previous page');
    }
    // Paths are rebuilt from the folders' shown names; a folder moved away since ends the walk there.
    const out: WalkFrame[] = [];
    for (const [i, [folderId, after]] of frames.entries()) {
      const record = i === 0 ? undefined : this.queries.item(userId, folderId);
      if (i === 0 ? folderId !== top : record?.kind !== 'folder' || record.parentId !== out.at(-1)!.folderId) break;
      let path = '';
      if (record) {
        const shown = new FolderNames(this.queries, userId, record.parentId!).displayNames([record]).get(folderId)!;
        path = out.at(-1)!.path === '' ? shown : `${out.at(-1)!.path}/${shown}`;
      }
      out.push({ folderId, path, ...(after ? { after } : {}) });
    }
    return out;
  }
}
