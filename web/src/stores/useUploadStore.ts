import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { errorMessage } from '../api/errorMessages';
import { ApiError } from '../api/http';
import { uploadFile, type ClientFile, type UploadHandle } from '../api/files';

export type UploadStatus = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  id: number;
  name: string;
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
  const files = new Map<number, File>();
  const handles = new Map<number, UploadHandle>();
  const listeners = new Set<(file: ClientFile) => void>();
  let nextId = 1;

  const active = computed(() => items.value.filter((i) => i.status === 'queued' || i.status === 'uploading'));

  function item(id: number): UploadItem | undefined {
    return items.value.find((i) => i.id === id);
  }

  function enqueue(chosen: Iterable<File>): void {
    for (const file of chosen) {
      const id = nextId++;
      files.set(id, file);
      items.value.push({ id, name: file.name, size: file.size, loaded: 0, status: 'queued', error: null });
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
    const file = files.get(id);
    const current = item(id);
    if (!file || !current) return;
    current.status = 'uploading';
    const handle = uploadFile(file, (loaded) => {
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
    if (stored) for (const listener of listeners) listener(stored);
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

  /** Called with each stored file, so the file list can show it without waiting. */
  function onUploaded(listener: (file: ClientFile) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  return { items, active, enqueue, cancel, clearFinished, onUploaded };
});
