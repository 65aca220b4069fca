import { conflictName, pickAvailableName } from '../tree/conflictNames';
import { nameKey, type ItemKind } from '../tree/itemName';
import { compareHlc } from '../index/hlc';
import type { ItemRecord, TreeQueries } from '../store/treeQueries';

/**
 * Names in one folder, read from the store's name index (the store-backed form of
 * tree/conflictNames.ts, which needs every child in memory). Only items that share a name need
 * looking at: a page of a folder of thousands reads its clash groups, usually of one.
 */
export class FolderNames {
  constructor(
    private readonly queries: TreeQueries,
    private readonly userId: string,
    private readonly folderId: string,
    /** Names being committed right now (pendingNames.ts): taken too. */
    private readonly pending?: (name: string) => boolean,
  ) {}

  /** The names the given children of this folder are shown with (conflictNames.displayNames). */
  displayNames(items: readonly ItemRecord[]): Map<string, string> {
    const out = new Map<string, string>();
    const clashing = this.queries.clashingKeys(this.userId, this.folderId, [...new Set(items.map((item) => nameKey(item.name)))]);
    const groups = new Map<string, ItemRecord[]>();
    for (const item of items) {
      const key = nameKey(item.name);
      if (!clashing.has(key)) {
        out.set(item.id, item.name);
        continue;
      }
      let group = groups.get(key);
      if (!group) groups.set(key, (group = this.queries.withNameKey(this.userId, this.folderId, key)));
      out.set(item.id, this.displayNameIn(group, item));
    }
    return out;
  }

  /** Whether a new or renamed item may not take `name` here: it is a child's name or shown name. */
  isTaken(name: string, exceptId?: string): boolean {
    const key = nameKey(name);
    if (this.pending?.(name)) return true;
    if (this.queries.withNameKey(this.userId, this.folderId, key).some((item) => item.id !== exceptId)) return true;
    // "a (conflict asia).pdf" is taken when that is how the later of two "a.pdf" is shown.
    const clash = /^(.*) \(conflict [^)]+\)(\.[^.]*)?$/su.exec(name);
    if (!clash) return false;
    for (const original of new Set([`${clash[1]}${clash[2] ?? ''}`, clash[1]!])) {
      const group = this.queries.withNameKey(this.userId, this.folderId, nameKey(original));
      if (group.length < 2) continue;
      for (const item of group) {
        if (item.id !== exceptId && nameKey(this.displayNameIn(group, item)) === key) return true;
      }
    }
    return false;
  }

  /** `?onConflict=rename`: `name`, or `name (1).ext`, … whichever is free first. */
  available(name: string, kind: ItemKind, exceptId?: string): string {
    return pickAvailableName(name, kind, (candidate) => this.isTaken(candidate, exceptId));
  }

  private displayNameIn(group: readonly ItemRecord[], item: ItemRecord): string {
    if (group.length < 2) return item.name;
    const sorted = [...group].sort(byPlacement);
    if (sorted[0]!.id === item.id) return item.name;
    // Later ones in placement order: each takes the first conflict name that no real name and
    // no conflict name given before it in this group has taken (conflictNames.displayNames).
    const given = new Set<string>();
    for (const other of sorted.slice(1)) {
      let n = 1;
      let candidate = conflictName(other.name, other.kind, other.placedBy.origin, n);
      while (given.has(nameKey(candidate)) || this.queries.withNameKey(this.userId, this.folderId, nameKey(candidate)).length > 0) {
        candidate = conflictName(other.name, other.kind, other.placedBy.origin, ++n);
      }
      given.add(nameKey(candidate));
      if (other.id === item.id) return candidate;
    }
    return item.name;
  }
}

function byPlacement(a: ItemRecord, b: ItemRecord): number {
  const order = compareHlc(a.placedBy.hlc, b.placedBy.hlc);
  if (order !== 0) return order;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
