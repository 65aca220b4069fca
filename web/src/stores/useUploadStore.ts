import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { errorMessage } from '../api/errorMessages';
import { ApiError } from '../api/http';
import { ROOT_FOLDER, uploadFile, type ClientFile, type UploadHandle, type UploadTarget } from '../api/files';
import type { UploadEntry } from '../lib/directoryWalk';

export type UploadStatus = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  id: number;
  /** The file's name, or its path for a file of an uploaded folder ("trip/day 1/a.jpg"). */
  name: string;
  /** The folder it goes into. */
  folderId: string;
  size: number;
  loaded: number;
  status: UploadStatus;
  error: string | null;
}

/** Two at a time: enough to keep the pipe busy without starving the list refreshes. */
export const MAX_PARALLEL_UPLOADS = 2;

/**
 * The upload queue behind the drop zone: one item per chosen file with its progress, at most
 * MAX_PARALLEL_UPLOADS in flight, each cancellable whether it is waiting or running.
 */
export const useUploadStore = defineStore('uploads', () => {
  const items = ref<UploadItem[]>([]);
  const files = new Map<number, { file: File; target: UploadTarget }>();
  const handles = new Map<number, UploadHandle>();
  const listeners = new Set<(file: ClientFile, upload: UploadItem) => void>();
  let nextId = 1;

  const active = computed(() => items.value.filter((i) => i.status === 'queued' || i.status === 'uploading'));

  function item(id: number): UploadItem | undefined {
    return items.value.find((i) => i.id === id);
  }

  /**
   * Queues files for `folderId`. Entries of a folder upload carry their relativePath, which
   * the gateway turns into sub-folders; a loose file needs none.
   */
  function enqueue(chosen: Iterable<File | UploadEntry>, folderId: string = ROOT_FOLDER): void {
    for (const one of chosen) {
      const { file, relativePath } = one instanceof File ? { file: one, relativePath: one.name } : one;
      const id = nextId++;
      const target: UploadTarget = { folder: folderId, ...(relativePath.includes('/') ? { relativePath } : {}) };
      files.set(id, { file, target });
      items.value.push({ id, name: relativePath, folderId, size: file.size, loaded: 0, status: 'queued', error: null });
    }
    pump();
  }

  function pump(): void {
    let running = items.value.filter((i) => i.status === 'uploading').length;
    for (const next of items.value) {
      if (running >= MAX_PARALLEL_UPLOADS) break;
      if (next.status !== 'queued') continue;
      start(next.id);
      running += 1;
    }
  }

  function start(id: number): void {
    const queued = files.get(id);
    const current = item(id);
    if (!queued || !current) return;
    current.status = 'uploading';
    const handle = uploadFile(queued.file, queued.target, (loaded) => {
      const live = item(id);
      if (live) live.loaded = loaded;
    });
    handles.set(id, handle);
    handle.done.then(
      (stored) => finish(id, 'done', null, stored),
      (error: unknown) => {
        const aborted = error instanceof ApiError && error.code === 'aborted';
        finish(id, aborted ? 'cancelled' : 'failed', aborted ? null : errorMessage(error));
      },
    );
  }

  function finish(id: number, status: UploadStatus, error: string | null, stored?: ClientFile): void {
    handles.delete(id);
    files.delete(id);
    const done = item(id);
    if (done && done.status !== 'cancelled') {
      done.status = status;
      done.error = error;
      if (status === 'done') done.loaded = done.size;
    }
    if (stored && done) for (const listener of listeners) listener(stored, done);
    pump();
  }

  function cancel(id: number): void {
    const target = item(id);
    if (!target || (target.status !== 'queued' && target.status !== 'uploading')) return;
    target.status = 'cancelled';
    handles.get(id)?.abort();
    if (!handles.has(id)) {
      files.delete(id);
      pump();
    }
  }

  /** Drops finished, failed and cancelled rows from the list. */
  function clearFinished(): void {
    items.value = items.value.filter((i) => i.status === 'queued' || i.status === 'uploading');
  }

  /** Called with each stored file and its queue row, so the file list can show it without waiting. */
  function onUploaded(listener: (file: ClientFile, upload: UploadItem) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  return { items, active, enqueue, cancel, clearFinished, onUploaded };
});
