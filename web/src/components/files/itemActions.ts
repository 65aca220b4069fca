import type { ClientItem } from '../../api/files';
import { isPreviewable } from '../../../../common/previews/previewKind';

/** Everything the toolbar and the context menu can do to items; the menu offers a few more (menuActionsFor). */
export type ItemAction = 'open' | 'download' | 'zip' | 'share' | 'rename' | 'move' | 'copy' | 'verify' | 'versions' | 'delete';

export const ACTION_LABELS: Readonly<Record<ItemAction, string>> = {
  open: 'Open',
  download: 'Download',
  zip: 'Download as zip',
  share: 'Share…',
  rename: 'Rename',
  move: 'Move to…',
  copy: 'Copy to…',
  verify: 'Verify replicas',
  versions: 'Version history…',
  delete: 'Delete',
};

/** The actions that make sense for these items, in menu order: what the selection bar offers. */
export function actionsFor(items: readonly ClientItem[]): ItemAction[] {
  if (items.length === 0) return [];
  if (items.length > 1) return ['move', 'copy', 'delete'];
  const [item] = items as [ClientItem];
  return item.kind === 'folder'
    ? ['open', 'zip', 'share', 'rename', 'move', 'copy', 'delete']
    : ['download', 'share', 'rename', 'move', 'copy', 'verify', 'delete'];
}

/**
 * The context menu's actions (right-click, ⋯, Shift+F10): the selection bar's, and a file's
 * version history. Not in the bar: one more button there wraps it to a second line at desktop
 * width, and a bar that grows when a row gets selected moves the list under the pointer (the
 * first move of a drag selects its row, and the drop then missed its folder).
 */
export function menuActionsFor(items: readonly ClientItem[]): ItemAction[] {
  const actions = actionsFor(items);
  if (items.length !== 1 || items[0]!.kind !== 'file') return actions;
  const at = actions.indexOf('rename');
  const menu: ItemAction[] = [...actions.slice(0, at), 'versions', ...actions.slice(at)];
  // A file the browser can show opens in the preview, as a double-click or Enter does.
  return isPreviewable(items[0]!.mime, items[0]!.name) ? ['open', ...menu] : menu;
}

/** "report.pdf" or "3 items": how dialogs and notices name what they act on. */
export function describeItems(items: readonly ClientItem[]): string {
  return items.length === 1 ? items[0]!.name : `${items.length} items`;
}
