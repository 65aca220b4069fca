import type { ClientItem } from '../../api/files';

/** Everything the toolbar and the context menu can do to items; both offer the same set. */
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

/** The actions that make sense for these items, in menu order. */
export function actionsFor(items: readonly ClientItem[]): ItemAction[] {
  if (items.length === 0) return [];
  if (items.length > 1) return ['move', 'copy', 'delete'];
  const [item] = items as [ClientItem];
  return item.kind === 'folder'
    ? ['open', 'zip', 'share', 'rename', 'move', 'copy', 'delete']
    : ['download', 'share', 'versions', 'rename', 'move', 'copy', 'verify', 'delete'];
}

/** "report.pdf" or "3 items": how dialogs and notices name what they act on. */
export function describeItems(items: readonly ClientItem[]): string {
  return items.length === 1 ? items[0]!.name : `${items.length} items`;
}
