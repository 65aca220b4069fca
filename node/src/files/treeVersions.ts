import crypto from 'node:crypto';
import { fileEntrySchema, rootFolderId, type FileEntry } from '../api/files';
import type { ItemView, VersionView } from '../api/tree';
import { AppError } from '../http/errors';
import { dataKey, fileKey } from './fileKeys';
import type { FactWrite, TreeCore } from './treeCore';

/**
 * A file's versions (DESIGN §5): every content of a file item is an entry and a blob of its own
 * (a later one names its item); the newest is what the file shows. Uploads make them
 * (TreeService.commitNewFile); here they are listed, restored, deleted and thinned.
 */
export class TreeVersions {
  constructor(private readonly core: TreeCore) {}

  /** A file's contents, newest (current) first. */
  list(userId: string, itemId: string): VersionView[] {
    const record = this.core.requireItem(userId, itemId);
    if (record.kind !== 'file') throw new AppError('not_found', 'Folders have no versions.');
    return this.core.queries.versions(userId, itemId).flatMap((version, i) => {
      const entry = fileEntrySchema.safeParse(version.entry);
      if (!entry.success) return [];
      return [{ versionId: version.fileId, size: version.size, sha256: entry.data.sha256, mime: entry.data.mime, createdAt: version.at, current: i === 0 }];
    });
  }

  /** The entry of one content of a file (to download it), 404 unless it is one of that file's. */
  entry(userId: string, itemId: string, versionId: string): FileEntry {
    this.core.requireItem(userId, itemId);
    const entry = this.core.ctx.catalog.entry(userId, versionId);
    if (!entry || (entry.itemId ?? entry.fileId) !== itemId) throw new AppError('not_found', 'No such version.');
    return entry;
  }

  /**
   * Makes an older content current again, as a new version with the same bytes (each node links
   * the blob, as for a copy): the history keeps what was current before.
   */
  restore(userId: string, itemId: string, versionId: string): Promise<ItemView> {
    return this.core.change(userId, async () => {
      const record = this.core.requireItem(userId, itemId);
      const source = this.entry(userId, itemId, versionId);
      const current = record.entry as FileEntry;
      if (current.fileId === source.fileId) return { writes: [], answer: () => this.core.item(userId, itemId) };
      const fileId = crypto.randomUUID();
      const now = new Date().toISOString();
      const { itemId: _item, copiedFrom: _copied, ...content } = source;
      const restored: FileEntry = { ...content, fileId, itemId, name: current.name, parentId: current.parentId ?? rootFolderId(userId), createdAt: current.createdAt, modifiedAt: now, placedByTree: true, copiedFrom: source.fileId };
      const writes: FactWrite[] = [];
      if (source.inline) {
        const data = this.core.ctx.catalog.inlineValue(userId, source.fileId);
        if (!data) throw new AppError('unavailable', 'The bytes of that version have not reached this node yet; try again shortly.');
        writes.push({ key: dataKey(userId, fileId), value: data });
      }
      writes.push({ key: fileKey(userId, fileId), value: restored });
      await this.core.reserveQuota(userId, source.size);
      return { writes, answer: () => this.core.item(userId, itemId) };
    });
  }

  /** Deletes one older content of a file; the current one cannot be (409). */
  remove(userId: string, itemId: string, versionId: string): Promise<void> {
    return this.core.change(userId, () => {
      const record = this.core.requireItem(userId, itemId);
      const entry = this.entry(userId, itemId, versionId);
      if ((record.entry as FileEntry).fileId === entry.fileId) throw new AppError('conflict', 'The current version cannot be deleted: restore another one first, or delete the file.');
      return { writes: this.core.contentTombstones(userId, entry.fileId, entry), answer: () => undefined };
    });
  }

  /**
   * Deletes older contents chosen by thinning (versionThinning.ts), each only if it is still not
   * the current one when the user's lock is held.
   */
  thin(userId: string, itemId: string, fileIds: readonly string[]): Promise<number> {
    return this.core.change(userId, () => {
      const versions = this.core.queries.versions(userId, itemId);
      const current = versions[0]?.fileId;
      const doomed = new Set(fileIds);
      const writes = versions.filter((version) => version.fileId !== current && doomed.has(version.fileId)).flatMap((version) => this.core.contentTombstones(userId, version.fileId, version.entry));
      return { writes, answer: () => writes.filter((write) => write.key.startsWith('file/')).length };
    });
  }
}
