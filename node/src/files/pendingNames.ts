import { nameKey } from '../tree/itemName';

/**
 * Names given to items whose op is written but not yet committed, per user and folder. A tree
 * change holds the user's lock only until its write is submitted, not through the commit's
 * fsync (so that a user's many small uploads still share one group commit); in between, the
 * store does not show the new name yet, and this does.
 */
export class PendingNames {
  private readonly names = new Map<string, Map<string, number>>();

  has(userId: string, parentId: string, name: string): boolean {
    return (this.names.get(folderKey(userId, parentId))?.get(nameKey(name)) ?? 0) > 0;
  }

  /** Reserves the names until the returned function is called (once the write has settled). */
  reserve(userId: string, entries: ReadonlyArray<{ parentId: string; name: string }>): () => void {
    for (const { parentId, name } of entries) {
      const folder = folderKey(userId, parentId);
      let names = this.names.get(folder);
      if (!names) this.names.set(folder, (names = new Map()));
      names.set(nameKey(name), (names.get(nameKey(name)) ?? 0) + 1);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const { parentId, name } of entries) {
        const folder = folderKey(userId, parentId);
        const names = this.names.get(folder);
        if (!names) continue;
        const left = (names.get(nameKey(name)) ?? 1) - 1;
        if (left > 0) names.set(nameKey(name), left);
        else names.delete(nameKey(name));
        if (names.size === 0) this.names.delete(folder);
      }
    };
  }
}

const folderKey = (userId: string, parentId: string) => `${userId}/${parentId}`;
