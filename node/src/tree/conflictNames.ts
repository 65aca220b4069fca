import { compareHlc } from '../index/hlc';
import { MAX_NAME_LENGTH, nameKey, nameLength, splitExtension, truncateCodePoints, type ItemKind } from './itemName';
import type { ItemId, Placement } from './treeOp';

/**
 * Names in one folder. Within one region the API refuses a name that is taken (409
 * name_taken) or picks "name (1).ext" for the client. Across regions that cannot be enforced:
 * two regions cut off from each other may both create "report.pdf" in one folder. Both items
 * are kept, and the later one (by the op that placed it) is shown as
 * "report (conflict asia).pdf". Display names are computed, never stored, so every region
 * shows the same names without any op being written, and the conflict goes away by itself when
 * either item is renamed or moved.
 */

export interface Sibling {
  id: ItemId;
  name: string;
  kind: ItemKind;
  placedBy: Placement;
}

/** "report (conflict asia).pdf"; `n` > 1 only when that name is taken too. */
export function conflictName(name: string, kind: ItemKind, origin: string, n = 1): string {
  const { base, ext } = splitExtension(name, kind);
  return `${base} (conflict ${origin}${n > 1 ? ` ${n}` : ''})${ext}`;
}

/**
 * The name each child of one folder is shown with. The earliest-placed item with a name keeps
 * it; each later one gets a conflict name that is different from every real name in the folder
 * and from the conflict names given before it, so that all display names are distinct.
 */
export function displayNames(siblings: readonly Sibling[]): Map<ItemId, string> {
  const out = new Map<ItemId, string>();
  const taken = new Set<string>();
  const groups = new Map<string, Sibling[]>();
  for (const s of siblings) {
    const key = nameKey(s.name);
    taken.add(key);
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  // Only clashing items need sorting: a folder of thousands with one clash sorts two.
  const later: Sibling[] = [];
  for (const group of groups.values()) {
    if (group.length > 1) group.sort(byPlacement);
    out.set(group[0]!.id, group[0]!.name);
    for (let i = 1; i < group.length; i++) later.push(group[i]!);
  }
  // In placement order across groups, so that who gets "conflict asia 2" is the same everywhere.
  later.sort(byPlacement);
  for (const s of later) {
    let n = 1;
    let candidate = conflictName(s.name, s.kind, s.placedBy.origin, n);
    while (taken.has(nameKey(candidate))) candidate = conflictName(s.name, s.kind, s.placedBy.origin, ++n);
    taken.add(nameKey(candidate));
    out.set(s.id, candidate);
  }
  return out;
}

/**
 * The names a new or renamed item may not take in a folder: every child's own name and its
 * display name (a file called "a (conflict asia).pdf" would otherwise bump the conflict copy it
 * looks like). `exceptId` leaves out the item being renamed, so that renaming "a" to "A" works.
 * Compared through nameKey.
 */
export function takenNames(siblings: readonly Sibling[], exceptId?: ItemId): Set<string> {
  const taken = new Set<string>();
  const display = displayNames(siblings);
  for (const s of siblings) {
    if (s.id === exceptId) continue;
    taken.add(nameKey(s.name));
    taken.add(nameKey(display.get(s.id)!));
  }
  return taken;
}

export function isNameTaken(taken: ReadonlySet<string>, name: string): boolean {
  return taken.has(nameKey(name));
}

/**
 * `?onConflict=rename`: the name itself when free, else "name (1).ext", "name (2).ext", … A name
 * that already ends in " (n)" counts on from its stem ("a (1).pdf" → "a (2).pdf", not
 * "a (1) (1).pdf"). The result stays within MAX_NAME_LENGTH by shortening the stem.
 */
export function pickAvailableName(name: string, kind: ItemKind, isTaken: (candidate: string) => boolean): string {
  if (!isTaken(name)) return name;
  let { base, ext } = splitExtension(name, kind);
  // An extension too long to keep with a suffix is treated as part of the stem.
  if (nameLength(ext) > MAX_NAME_LENGTH / 2) {
    base = name;
    ext = '';
  }
  const numbered = /^(.*\S) \((\d{1,9})\)$/u.exec(base);
  if (numbered) base = numbered[1]!;
  for (let n = 1; ; n++) {
    const suffix = ` (${n})`;
    const room = MAX_NAME_LENGTH - nameLength(suffix) - nameLength(ext);
    const candidate = `${truncateCodePoints(base, room)}${suffix}${ext}`;
    if (!isTaken(candidate)) return candidate;
  }
}

function byPlacement(a: Sibling, b: Sibling): number {
  const order = compareHlc(a.placedBy.hlc, b.placedBy.hlc);
  if (order !== 0) return order;
  // Two items are never placed by the same op; the id only keeps the sort total.
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
