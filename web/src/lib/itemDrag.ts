/**
 * Dragging items inside the file manager. The ids travel in a type of our own so that a drop
 * can tell our items from files dragged in from the desktop ("Files"), and so that other pages
 * or apps ignore them.
 */
export const ITEM_DRAG_TYPE = 'application/x-geovault-items';

export type DragKind = 'items' | 'files' | null;

/** What a drag carries; readable during dragover, when the data itself is still hidden. */
export function dragKind(transfer: DataTransfer | null): DragKind {
  if (!transfer) return null;
  const types = [...transfer.types];
  if (types.includes(ITEM_DRAG_TYPE)) return 'items';
  if (types.includes('Files')) return 'files';
  return null;
}

/**
 * The ids of the drag under way from this page. The data of a drag cannot be read before the
 * drop, yet a folder must refuse early (no highlight) when it is one of the dragged items.
 */
let dragging: ReadonlySet<string> = new Set();
export const isBeingDragged = (id: string) => dragging.has(id);
if (typeof document !== 'undefined') {
  document.addEventListener('dragend', () => (dragging = new Set()));
}

export function writeDraggedItems(transfer: DataTransfer, ids: readonly string[], names: readonly string[]): void {
  dragging = new Set(ids);
  transfer.setData(ITEM_DRAG_TYPE, JSON.stringify(ids));
  // Plain text too: dropping on a text field or another app gives the names, not nothing.
  transfer.setData('text/plain', names.join('\n'));
  transfer.effectAllowed = 'copyMove';
}

export function readDraggedItems(transfer: DataTransfer | null): string[] {
  try {
    const ids = JSON.parse(transfer?.getData(ITEM_DRAG_TYPE) || '[]') as unknown;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}
