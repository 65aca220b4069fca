import { rootFolderId, trashFolderId } from '../api/files';
import { ROOT_ALIAS, type ItemView, type TrashItemView, type TrashPage } from '../api/tree';
import { AppError } from '../http/errors';
import type { ItemRecord } from '../store/treeQueries';
import type { FactWrite, TreeCore } from './treeCore';

/**
 * The trash of the replicated tree (DESIGN §5): delete is a move into the user's trash item
 * (TreeService.delete); from there an item is restored where it was, or purged for good.
 */
export class TreeTrash {
  constructor(private readonly core: TreeCore) {}

  /** The trash's top-level items, the latest deleted first, with where each came from. */
  page(userId: string, opts: { limit: number; cursor?: string }): TrashPage {
    const page = this.core.queries.trashPage(userId, opts);
    const trashId = trashFolderId(userId);
    const views = this.core.views(userId, trashId, page.items, new Map(page.items.map((record) => [record.id, record.name])));
    const items = page.items.map((record, i): TrashItemView => ({ ...views[i]!, ...this.origin(userId, record), deletedAt: new Date(record.trashedAt ?? 0).toISOString() }));
    return { items, ...(page.cursor ? { cursor: page.cursor } : {}), usage: this.core.usage(userId), retentionMs: this.core.ctx.settings.trashRetentionMs };
  }

  /** Puts a top-level item of the trash back where it was (the root if that folder is gone), with a free name there. */
  restore(userId: string, itemId: string): Promise<ItemView> {
    return this.core.change(userId, () => {
      const record = this.requireTrashed(userId, itemId);
      const previous = record.previousParentId;
      const parentId = previous !== null && this.core.isLiveFolder(userId, previous) ? previous : rootFolderId(userId);
      const name = this.core.nameFor(userId, parentId, record.name, record.kind, 'rename');
      return {
        writes: [this.core.op(userId, { itemId, newParentId: parentId, newName: name, kind: record.kind })],
        names: [{ parentId, name }],
        answer: () => this.core.item(userId, itemId),
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
    return this.core.change(userId, () => {
      const record = this.requireTrashed(userId, itemId);
      const writes: FactWrite[] = [];
      let files = 0;
      const visit = (item: ItemRecord) => {
        if (item.kind === 'folder') return this.core.forEachChild(userId, item.id, visit);
        files++;
        for (const version of this.core.queries.versions(userId, item.id)) writes.push(...this.core.contentTombstones(userId, version.fileId, version.entry));
      };
      visit(record);
      writes.push(this.core.op(userId, { itemId, newParentId: null, newName: record.name, kind: record.kind }));
      return { writes, holdLockUntilDurable: true, answer: () => files };
    });
  }

  /** Purges every top-level item of the trash; returns how many. */
  async empty(userId: string): Promise<number> {
    let purged = 0;
    for (;;) {
      const page = this.core.queries.trashPage(userId, { limit: 100 });
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

  /** A top-level item of the user's trash; 404 otherwise. */
  private requireTrashed(userId: string, itemId: string): ItemRecord {
    const record = itemId === ROOT_ALIAS ? undefined : this.core.queries.item(userId, itemId);
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
    if (this.core.isLiveFolder(userId, previous)) {
      const names = [...this.core.pathOf(userId, previous).slice(1).map((step) => step.name), this.core.queries.item(userId, previous)?.name ?? ''];
      return { originalPath: `/${names.join('/')}`, originalParentId: previous };
    }
    const names: string[] = [];
    for (let id: string | null = previous; id !== null && names.length < 64; ) {
      const item = this.core.queries.item(userId, id);
      if (!item) break;
      names.unshift(item.name);
      id = item.parentId === trashFolderId(userId) || item.parentId === rootFolderId(userId) ? null : item.parentId;
    }
    return { originalPath: `/${names.join('/')}`, originalParentId: ROOT_ALIAS };
  }
}
