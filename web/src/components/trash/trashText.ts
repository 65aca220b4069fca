import { ROOT_FOLDER, type ClientItem } from '../../api/files';
import type { TrashItem } from '../../api/trash';

/** The root as the file manager names it (breadcrumbs, search results, the folder picker). */
const ROOT_NAME = 'All files';

/**
 * "All files › Photos › 2024" for an originalPath of "/Photos/2024" ("/" is the root): where
 * the item was deleted from, in the words the breadcrumbs use. Names cannot hold "/".
 */
export function originalLocation(originalPath: string): string {
  const steps = originalPath.split('/').filter((step) => step.length > 0);
  return [ROOT_NAME, ...steps].join(' › ');
}

/**
 * True when the folder an item was deleted from is gone: the contract then gives the root as
 * where a restore puts it, while the path still names the folder it came from.
 */
export function folderGone(item: TrashItem): boolean {
  return item.originalParentId === ROOT_FOLDER && originalLocation(item.originalPath) !== ROOT_NAME;
}

/**
 * What a restore did, said plainly: where the item is now, why it is not where it was (its
 * folder is gone) and under which name when the old one was taken.
 */
export function restoredText(deleted: TrashItem, restored: ClientItem): string {
  const inRoot = restored.parentId === ROOT_FOLDER;
  const wasElsewhere = originalLocation(deleted.originalPath) !== ROOT_NAME;
  const where = inRoot ? ROOT_NAME : originalLocation(deleted.originalPath);
  const moved = inRoot && wasElsewhere ? ` because ${originalLocation(deleted.originalPath)} is no longer there` : '';
  const renamed = restored.name !== deleted.name ? ` as “${restored.name}”, as the name was taken` : '';
  return `“${deleted.name}” is back in ${where}${moved}${renamed}.`;
}

/** The file manager's address of the folder an item is in, with the item selected there. */
export function folderLink(item: ClientItem): { path: string; query: { select: string } } {
  return { path: item.parentId === ROOT_FOLDER ? '/files' : `/files/${encodeURIComponent(item.parentId)}`, query: { select: item.id } };
}

/** When the trash deletes things by itself, in words ("items are deleted for good after 30 days."). */
export function retentionText(days: number | null): string {
  if (days === null) return 'old ones are deleted for good automatically.';
  if (days >= 1) {
    const whole = Math.round(days);
    return `items are deleted for good ${whole === 1 ? 'a day' : `${whole} days`} after they were deleted.`;
  }
  const hours = Math.max(1, Math.round(days * 24));
  return `items are deleted for good ${hours === 1 ? 'an hour' : `${hours} hours`} after they were deleted.`;
}
