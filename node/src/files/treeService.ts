import crypto from 'node:crypto';
import type { Fact } from '../gossip/frames';
import { rootFolderId, trashFolderId, type FileEntry, type ListOrder, type ListSort } from '../api/files';
import type { FolderPage, ItemView, OnConflict, UploadConflict, WalkPage } from '../api/tree';
import { AppError } from '../http/errors';
import { UploadError } from '../replication/uploadError';
import { sortName } from '../store/sortName';
import { encodeCursor } from '../store/pageCursor';
import type { ItemRecord } from '../store/treeQueries';
import { isAncestor, moveRefusal, placeOf } from '../tree/moveLog';
import { nameKey, type ItemKind } from '../tree/itemName';
import { dataKey, fileKey } from './fileKeys';
import { FolderNames } from './folderNames';
import { walkCursorSchema, type WalkFrame } from './walkCursor';
import { TreeCore, type OpWrite, type FactWrite } from './treeCore';
import { TreeTrash } from './treeTrash';
import { TreeVersions } from './treeVersions';

export { ROOT_NAME } from './treeCore';

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
export class TreeService extends TreeCore {
  readonly trash = new TreeTrash(this);
  readonly versions = new TreeVersions(this);

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
   * The entry of what a file id shows now: a file item's current content (none while the item is
   * in the trash), or else the content with that id (a version, or a file whose op is on its way).
   */
  currentEntry(userId: string, id: string): FileEntry | undefined {
    const record = this.queries.item(userId, id);
    if (!record) return this.ctx.catalog.entry(userId, id);
    if (record.kind !== 'file' || record.entry === undefined || placeOf(this.storage(userId), id) !== 'root') return undefined;
    return record.entry as FileEntry;
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
          // The sealed value itself: the copy shares the data key, as a copied blob shares its file.
          const data = this.ctx.catalog.inlineValue(userId, entry.fileId);
          if (!data) throw new AppError('unavailable', `The bytes of "${source.name}" have not reached this node yet; try again shortly.`);
          writes.push({ key: dataKey(userId, id), value: data });
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

  private uploadName(userId: string, parentId: string, name: string, onConflict: OnConflict): string {
    const names = this.names(userId, parentId);
    if (!names.isTaken(name)) return name;
    if (onConflict === 'fail') throw new UploadError('name_taken', `"${name}" is already in this folder.`);
    return names.available(name, 'file');
  }

  private copySubtree(userId: string, fromId: string, toId: string, copyOf: (source: ItemRecord, parentId: string, name: string) => string): void {
    this.forEachChild(userId, fromId, (child) => {
      const copied = copyOf(child, toId, child.name);
      if (child.kind === 'folder') this.copySubtree(userId, child.id, copied, copyOf);
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
