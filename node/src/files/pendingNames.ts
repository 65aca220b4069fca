import { nameKey } from '../tree/itemName';

/**
 * Names given to items whose op is written but not yet committed, per user and folder. A tree
 * change holds the user's lock only until its write is submitted, not through the commit's
 * fsync (so that a user's many small uploads still share one group commit); in between, the
 * store does not show the new name yet, and this does.
 */
export class PendingNames {
  private readonly names = new Map<string, Map<string, { count: number; fileId?: string }>>();

  has(userId: string, parentId: string, name: string): boolean {
    return (this.names.get(folderKey(userId, parentId))?.get(nameKey(name))?.count ?? 0) > 0;
  }

  /** The file being created under that name, if one is: a second upload of it becomes its next version. */
  pendingFile(userId: string, parentId: string, name: string): string | undefined {
    return this.names.get(folderKey(userId, parentId))?.get(nameKey(name))?.fileId;
  }

  /** Reserves the names until the returned function is called (once the write has settled). */
  reserve(userId: string, entries: ReadonlyArray<PendingName>): () => void {
    for (const { parentId, name, fileId } of entries) {
      const folder = folderKey(userId, parentId);
      let names = this.names.get(folder);
      if (!names) this.names.set(folder, (names = new Map()));
      const held = names.get(nameKey(name)) ?? { count: 0 };
      held.count++;
      if (fileId !== undefined) held.fileId = fileId;
      names.set(nameKey(name), held);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const { parentId, name } of entries) {
        const folder = folderKey(userId, parentId);
        const names = this.names.get(folder);
        const held = names?.get(nameKey(name));
        if (!names || !held) continue;
        if (--held.count <= 0) names.delete(nameKey(name));
        if (names.size === 0) this.names.delete(folder);
      }
    };
  }
}

/** A name being committed in a folder; `fileId` when it is a new file's. */
export interface PendingName {
  parentId: string;
  name: string;
  fileId?: string;
}

const folderKey = (userId: string, parentId: string) => `${userId}/${parentId}`;
