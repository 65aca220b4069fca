import { ref } from 'vue';
import { entriesFromDrop, type UploadEntry } from '../lib/directoryWalk';
import { dragKind, isBeingDragged, readDraggedItems } from '../lib/itemDrag';

export interface FolderDropHandlers {
  /** Our own items dropped on folder `folderId`: move them there. */
  items(ids: string[], folderId: string): void;
  /** Files (or whole folders) from the desktop dropped on folder `folderId`: upload them there. */
  files(entries: Promise<UploadEntry[]>, folderId: string): void;
}

/**
 * Folder rows, tiles and breadcrumbs all take drops the same way: `over` names the folder under
 * the pointer so it can be highlighted; a folder being dragged does not take itself.
 */
export function useFolderDrop(handlers: FolderDropHandlers) {
  const over = ref<string | null>(null);
  const canDrop = (folderId: string, kind: 'items' | 'files') => kind === 'files' || !isBeingDragged(folderId);

  function dragover(event: DragEvent, folderId: string): void {
    const kind = dragKind(event.dataTransfer);
    if (!kind || !canDrop(folderId, kind)) return;
    event.preventDefault();
    event.stopPropagation();
    if (event.dataTransfer) event.dataTransfer.dropEffect = kind === 'items' ? (event.ctrlKey || event.altKey ? 'copy' : 'move') : 'copy';
    over.value = folderId;
  }

  function dragleave(event: DragEvent, folderId: string): void {
    // Leaving for a child of the same target (the name inside the row) is not leaving.
    const to = event.relatedTarget as Node | null;
    if (to && (event.currentTarget as Node | null)?.contains(to)) return;
    if (over.value === folderId) over.value = null;
  }

  function drop(event: DragEvent, folderId: string): void {
    const kind = dragKind(event.dataTransfer);
    over.value = null;
    if (!kind || !canDrop(folderId, kind)) return;
    event.preventDefault();
    event.stopPropagation();
    if (kind === 'items') {
      const ids = readDraggedItems(event.dataTransfer).filter((id) => id !== folderId);
      if (ids.length > 0) handlers.items(ids, folderId);
    } else if (event.dataTransfer) {
      handlers.files(entriesFromDrop(event.dataTransfer), folderId);
    }
  }

  return { over, dragover, dragleave, drop };
}
