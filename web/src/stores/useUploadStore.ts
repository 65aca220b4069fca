import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { errorMessage } from '../api/errorMessages';
import { ApiError } from '../api/http';
import { ROOT_FOLDER, uploadFile, type ClientFile, type UploadTarget } from '../api/files';
import { forgetUpload, startResumable, uploadKey } from '../api/resumable';
import type { UploadEntry } from '../lib/directoryWalk';
import { TransferRate } from '../lib/transferRate';
import { matchesRow, readJournal, writeJournal, type JournalRow } from '../lib/uploadJournal';

export type UploadStatus = 'queued' | 'uploading' | 'paused' | 'waitingForFile' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  id: number;
  /** The file's name, or its path for a file of an uploaded folder ("trip/day 1/a.jpg"). */
  name: string;
  /** The folder it goes into. */
  folderId: string;
  size: number;
  lastModified: number;
  loaded: number;
  status: UploadStatus;
  error: string | null;
  /** Through tus (chunks, pause, resume after a reload); small files take one request. */
  resumable: boolean;
  /** Bytes a second over the last seconds, and the time left; null until known. */
  speed: number | null;
  secondsLeft: number | null;
  /** The link dropped (or a node went away): retrying with backoff. */
  retrying: boolean;
  /** The server already had this many bytes when the upload continued (after a reload or a retry). */
  resumedAt: number | null;
  /** The tus fingerprint (resumable uploads): how a file picked again finds its upload. */
  key: string | null;
}

/** Two at a time: enough to keep the pipe busy without starving the list refreshes. */
export const MAX_PARALLEL_UPLOADS = 2;
/**
 * Files up to this size go in one request (POST /api/files/upload). Measured two at a time
 * with `npm run bench:resumable -- --rounds 0 --small-kib N` (README): at 64 KiB one request
 * did 8.7-10.5 files/s against tus's 4.5-5.5, at 1 MiB 8-13 against 5.6-8.3, and at 4 MiB tus
 * was ahead (1.4-3.2 against 0.9-2.3). A file this small lost to a reload is quick to send again.
 */
export const SINGLE_REQUEST_MAX_BYTES = 1024 * 1024;

interface Running {
  pause(): void;
  resume(): void;
  cancel(): void;
}

/**
 * The upload queue behind the drop zone: one row per chosen file with its progress, speed and
 * time left, at most MAX_PARALLEL_UPLOADS running, each one pausable, resumable and
 * cancellable. Unfinished resumable rows are kept in localStorage per account: after a reload
 * they come back waiting for their file, and the same file picked or dropped again continues
 * where the server is.
 */
export const useUploadStore = defineStore('uploads', () => {
  const items = ref<UploadItem[]>([]);
  const files = new Map<number, { file: File; target: UploadTarget }>();
  const running = new Map<number, Running>();
  const rates = new Map<number, TransferRate>();
  const listeners = new Set<(file: ClientFile | null, upload: UploadItem) => void>();
  let userId: string | null = null;
  let nextId = 1;
  let persistTimer: ReturnType<typeof setTimeout> | undefined;

  const active = computed(() => items.value.filter((i) => i.status === 'queued' || i.status === 'uploading'));
  /** Rows a reload would interrupt: the page warns before it is left. */
  const busy = computed(() => active.value.length > 0);
  const waitingForFile = computed(() => items.value.filter((i) => i.status === 'waitingForFile'));

  function item(id: number): UploadItem | undefined {
    return items.value.find((i) => i.id === id);
  }

  function row(fields: Omit<UploadItem, 'id' | 'error' | 'speed' | 'secondsLeft' | 'retrying' | 'resumedAt'>): UploadItem {
    return { id: nextId++, error: null, speed: null, secondsLeft: null, retrying: false, resumedAt: null, ...fields };
  }

  /**
   * The account whose queue this is: another account's rows go (running ones stop, without
   * removing anything on the server) and this one's unfinished rows come back from the journal.
   */
  function setUser(id: string | null): void {
    if (id === userId) return;
    for (const handle of running.values()) handle.pause();
    running.clear();
    files.clear();
    rates.clear();
    userId = id;
    items.value = id === null ? [] : readJournal(localStorage, id).map((kept) => row({ ...kept, status: 'waitingForFile', resumable: true }));
  }

  /**
   * Queues files for `folderId`. Entries of a folder upload carry their relativePath, which
   * the gateway turns into sub-folders; a loose file needs none. A file that a row left from
   * before a reload is waiting for continues that row.
   */
  function enqueue(chosen: Iterable<File | UploadEntry>, folderId: string = ROOT_FOLDER): void {
    for (const one of chosen) {
      const { file, relativePath } = one instanceof File ? { file: one, relativePath: one.name } : one;
      const target: UploadTarget = { folder: folderId, ...(relativePath.includes('/') ? { relativePath } : {}) };
      const waiting = items.value.find((i) => i.status === 'waitingForFile' && matchesRow(journalRow(i), file, relativePath, folderId));
      if (waiting) {
        files.set(waiting.id, { file, target });
        waiting.status = 'queued';
        continue;
      }
      const resumable = file.size > SINGLE_REQUEST_MAX_BYTES && userId !== null;
      const added = row({ name: relativePath, folderId, size: file.size, lastModified: file.lastModified, loaded: 0, status: 'queued', resumable, key: resumable ? uploadKey(userId!, file, target) : null });
      files.set(added.id, { file, target });
      items.value.push(added);
    }
    pump();
  }

  function pump(): void {
    let inFlight = items.value.filter((i) => i.status === 'uploading').length;
    for (const next of items.value) {
      if (inFlight >= MAX_PARALLEL_UPLOADS) break;
      if (next.status !== 'queued') continue;
      start(next.id);
      inFlight += 1;
    }
    persistSoon();
  }

  function progress(id: number, loaded: number): void {
    const live = item(id);
    if (!live) return;
    live.loaded = loaded;
    live.retrying = false;
    const rate = rates.get(id) ?? new TransferRate();
    rates.set(id, rate);
    rate.sample(performance.now(), loaded);
    live.speed = rate.bytesPerSecond();
    live.secondsLeft = rate.secondsLeft(live.size);
    persistSoon();
  }

  function start(id: number): void {
    const queued = files.get(id);
    const current = item(id);
    if (!queued || !current) return;
    current.status = 'uploading';
    current.error = null;
    const paused = running.get(id);
    if (paused) {
      paused.resume();
      return;
    }
    if (!current.resumable || userId === null) {
      const handle = uploadFile(queued.file, queued.target, (loaded) => progress(id, loaded));
      running.set(id, { pause: () => undefined, resume: () => undefined, cancel: () => handle.abort() });
      handle.done.then(
        (stored) => finish(id, 'done', null, stored),
        (error: unknown) => fail(id, error),
      );
      return;
    }
    const handle = startResumable(queued.file, { ...queued.target, userId }, {
      onProgress: (sent) => progress(id, sent),
      onRetry: () => {
        const live = item(id);
        if (live) live.retrying = true;
      },
      onResumedAt: (offset) => {
        const live = item(id);
        if (live && offset > 0) live.resumedAt = offset;
      },
    });
    running.set(id, { pause: handle.pause, resume: handle.resume, cancel: () => void handle.cancel() });
    handle.done.then(
      () => finish(id, 'done', null, null),
      (error: unknown) => fail(id, error),
    );
  }

  function fail(id: number, error: unknown): void {
    const aborted = error instanceof ApiError && error.code === 'aborted';
    finish(id, aborted ? 'cancelled' : 'failed', aborted ? null : errorMessage(error));
  }

  function finish(id: number, status: UploadStatus, error: string | null, stored?: ClientFile | null): void {
    running.delete(id);
    rates.delete(id);
    const done = item(id);
    // A failed row keeps its file: Retry continues from what the server has.
    if (status !== 'failed') files.delete(id);
    if (done && done.status !== 'cancelled') {
      done.status = status;
      done.error = error;
      done.speed = null;
      done.secondsLeft = null;
      done.retrying = false;
      if (status === 'done') done.loaded = done.size;
    }
    if (status === 'done' && done) for (const listener of listeners) listener(stored ?? null, done);
    pump();
  }

  function pause(id: number): void {
    const target = item(id);
    if (!target?.resumable || (target.status !== 'queued' && target.status !== 'uploading')) return;
    running.get(id)?.pause();
    rates.get(id)?.reset();
    target.status = 'paused';
    target.speed = null;
    target.secondsLeft = null;
    pump();
  }

  /** A paused or failed row goes back in the queue; it continues from the server's offset. */
  function resume(id: number): void {
    const target = item(id);
    if (!target || (target.status !== 'paused' && target.status !== 'failed') || !files.has(id)) return;
    if (target.status === 'failed') running.delete(id);
    target.status = 'queued';
    target.error = null;
    pump();
  }

  /** A file picked for one row that waits for it (its own "Select file" button). */
  function attach(id: number, file: File): void {
    const target = item(id);
    if (!target || target.status !== 'waitingForFile') return;
    if (file.size !== target.size) {
      target.error = `That is not the same file: ${target.name} was ${target.size} bytes.`;
      return;
    }
    const relativePath = target.name;
    files.set(id, { file, target: { folder: target.folderId, ...(relativePath.includes('/') ? { relativePath } : {}) } });
    target.status = 'queued';
    target.error = null;
    pump();
  }

  function cancel(id: number): void {
    const target = item(id);
    if (!target || !['queued', 'uploading', 'paused', 'waitingForFile'].includes(target.status)) return;
    const wasWaiting = target.status === 'waitingForFile';
    target.status = 'cancelled';
    const handle = running.get(id);
    if (handle) handle.cancel();
    else if (wasWaiting && target.key) void forgetUpload(target.key);
    if (!handle) {
      files.delete(id);
      pump();
    }
  }

  /** Drops finished, failed and cancelled rows from the list. */
  function clearFinished(): void {
    items.value = items.value.filter((i) => ['queued', 'uploading', 'paused', 'waitingForFile'].includes(i.status));
    persistSoon();
  }

  /** Called with each stored file (null when only its item id is known) and its queue row. */
  function onUploaded(listener: (file: ClientFile | null, upload: UploadItem) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  function journalRow(i: UploadItem): JournalRow {
    return { key: i.key ?? '', name: i.name, folderId: i.folderId, size: i.size, lastModified: i.lastModified, loaded: i.loaded, paused: i.status === 'paused' };
  }

  /** The journal follows the queue, at most once a second (progress moves many times a second). */
  function persistSoon(): void {
    if (persistTimer !== undefined || userId === null) return;
    persistTimer = setTimeout(persistNow, 1_000);
  }

  function persistNow(): void {
    clearTimeout(persistTimer);
    persistTimer = undefined;
    if (userId === null) return;
    const unfinished = items.value.filter((i) => i.resumable && ['queued', 'uploading', 'paused', 'waitingForFile', 'failed'].includes(i.status));
    writeJournal(localStorage, userId, unfinished.map(journalRow));
  }

  return { items, active, busy, waitingForFile, setUser, enqueue, pause, resume, attach, cancel, clearFinished, onUploaded, persistNow };
});
