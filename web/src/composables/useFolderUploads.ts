import { onUnmounted, ref } from 'vue';
import { entriesFromDrop, type UploadEntry } from '../lib/directoryWalk';
import { dragKind } from '../lib/itemDrag';
import type { useFolderStore } from '../stores/useFolderStore';
import { useUploadStore } from '../stores/useUploadStore';

/** A burst of finished uploads (a dropped folder) costs one re-read of the folder, this long after the last. */
const REFRESH_AFTER_UPLOADS_MS = 300;

/**
 * Uploads into the folder on screen: what is picked or dropped goes into the queue for that
 * folder, a file that lands here shows at once, and the sub-folders a folder upload made show
 * on the next read. `failed` says what to show when a dropped folder cannot be read.
 */
export function useFolderUploads(store: ReturnType<typeof useFolderStore>, failed: (message: string) => void) {
  const uploads = useUploadStore();
  /** A drag of desktop files is over the page: it shows where they will land. */
  const dropping = ref(false);
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;

  const stopListening = uploads.onUploaded((file, upload) => {
    if (upload.folderId !== store.folderId) return;
    // A resumable upload only names its item: the re-read below shows it.
    if (file && (file.parentId ?? store.folderId) === store.folderId) {
      store.upsert({ ...file, kind: 'file', parentId: store.folderId, modifiedAt: file.createdAt });
    }
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => void store.refresh(), REFRESH_AFTER_UPLOADS_MS);
  });
  onUnmounted(() => {
    stopListening();
    clearTimeout(refreshTimer);
  });

  function upload(entries: UploadEntry[] | Promise<UploadEntry[]>, folderId = store.folderId): void {
    void Promise.resolve(entries).then(
      (list) => uploads.enqueue(list, folderId),
      () => failed('The dropped folder could not be read. Try “Upload folder” instead.'),
    );
  }

  // Desktop files dropped anywhere on the page (not on a folder row) go into the folder on screen.
  const page = {
    dragover(event: DragEvent): void {
      if (dragKind(event.dataTransfer) !== 'files') return;
      event.preventDefault();
      dropping.value = true;
    },
    dragleave(event: DragEvent): void {
      const to = event.relatedTarget as Node | null;
      if (!to || !(event.currentTarget as Node).contains(to)) dropping.value = false;
    },
    drop(event: DragEvent): void {
      dropping.value = false;
      if (dragKind(event.dataTransfer) !== 'files' || !event.dataTransfer) return;
      event.preventDefault();
      upload(entriesFromDrop(event.dataTransfer));
    },
  };

  return { dropping, upload, page };
}
