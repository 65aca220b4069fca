// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientFile } from '../api/files';
import { ApiError } from '../api/http';

interface FakeUpload {
  file: File;
  target: { folder?: string; relativePath?: string };
  progress: (loaded: number, total: number) => void;
  resolve: (file: ClientFile) => void;
  reject: (error: unknown) => void;
  abort: ReturnType<typeof vi.fn>;
}
const started: FakeUpload[] = [];

vi.mock('../api/files', () => ({
  ROOT_FOLDER: 'root',
  uploadFile: (file: File, target: { folder?: string; relativePath?: string }, progress: (loaded: number, total: number) => void) => {
    let resolve!: (file: ClientFile) => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<ClientFile>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const abort = vi.fn(() => reject(new ApiError(0, 'aborted', 'Upload cancelled.')));
    started.push({ file, target, progress, resolve, reject, abort });
    return { done, abort };
  },
}));

interface FakeResumable {
  file: File;
  target: { folder?: string; relativePath?: string; userId: string };
  events: { onProgress(sent: number, total: number): void; onRetry(attempt: number): void; onResumedAt(offset: number): void };
  resolve: (value: { itemId: string | null }) => void;
  reject: (error: unknown) => void;
  pause: ReturnType<typeof vi.fn>;
  resume: ReturnType<typeof vi.fn>;
  cancel: ReturnType<typeof vi.fn>;
}
const resumables: FakeResumable[] = [];
const forgotten: string[] = [];

vi.mock('../api/resumable', () => ({
  uploadKey: (userId: string, file: File, target: { folder?: string; relativePath?: string }) => `${userId}:${target.folder}:${target.relativePath ?? file.name}:${file.size}`,
  forgetUpload: (key: string) => {
    forgotten.push(key);
    return Promise.resolve();
  },
  startResumable: (file: File, target: FakeResumable['target'], events: FakeResumable['events']) => {
    let resolve!: FakeResumable['resolve'];
    let reject!: FakeResumable['reject'];
    const done = new Promise<{ itemId: string | null }>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const cancel = vi.fn(() => reject(new ApiError(0, 'aborted', 'Upload cancelled.')));
    const fake = { file, target, events, resolve, reject, pause: vi.fn(), resume: vi.fn(), cancel };
    resumables.push(fake);
    return { done, pause: fake.pause, resume: fake.resume, cancel };
  },
}));

const { useUploadStore, MAX_PARALLEL_UPLOADS, SINGLE_REQUEST_MAX_BYTES } = await import('./useUploadStore');

const file = (name: string, size = 100) => new File([new Uint8Array(size)], name);
const stored = (name: string): ClientFile => ({ id: name, name, size: 100, sha256: '', mime: 'text/plain', createdAt: '', replicas: {} });
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the upload queue', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    started.length = 0;
    resumables.length = 0;
    forgotten.length = 0;
    localStorage.clear();
  });

  it(`runs at most ${MAX_PARALLEL_UPLOADS} uploads at once and starts the next when one ends`, async () => {
    const uploads = useUploadStore();
    uploads.enqueue([file('a'), file('b'), file('c')]);
    expect(started.map((u) => u.file.name)).toEqual(['a', 'b']);
    expect(uploads.items.map((i) => i.status)).toEqual(['uploading', 'uploading', 'queued']);

    started[0]!.resolve(stored('a'));
    await settle();
    expect(started.map((u) => u.file.name)).toEqual(['a', 'b', 'c']);
    expect(uploads.items[0]).toMatchObject({ status: 'done', loaded: 100 });
  });

  it("sends a folder upload's files with their relative paths into the chosen folder", () => {
    const uploads = useUploadStore();
    uploads.enqueue([{ file: file('a.txt'), relativePath: 'trip/day 1/a.txt' }, file('loose.txt')], 'f1');
    expect(started.map((u) => u.target)).toEqual([{ folder: 'f1', relativePath: 'trip/day 1/a.txt' }, { folder: 'f1' }]);
    expect(uploads.items.map((i) => [i.name, i.folderId])).toEqual([
      ['trip/day 1/a.txt', 'f1'],
      ['loose.txt', 'f1'],
    ]);
  });

  it('tracks progress per file', () => {
    const uploads = useUploadStore();
    uploads.enqueue([file('a', 1000), file('b', 1000)]);
    started[1]!.progress(250, 1000);
    expect(uploads.items.map((i) => i.loaded)).toEqual([0, 250]);
  });

  it('cancels a running upload through abort() and a waiting one without starting it', async () => {
    const uploads = useUploadStore();
    uploads.enqueue([file('a'), file('b'), file('c')]);
    uploads.cancel(uploads.items[2]!.id);
    uploads.cancel(uploads.items[0]!.id);
    await settle();
    expect(started[0]!.abort).toHaveBeenCalledOnce();
    expect(uploads.items.map((i) => i.status)).toEqual(['cancelled', 'uploading', 'cancelled']);
    expect(started.map((u) => u.file.name)).toEqual(['a', 'b']);
    expect(uploads.items[0]!.error).toBeNull();
  });

  it('shows a failure with a friendly message and tells listeners about successes only', async () => {
    const uploads = useUploadStore();
    const seen: string[] = [];
    uploads.onUploaded((f) => seen.push(f?.name ?? '?'));
    uploads.enqueue([file('big'), file('ok')]);
    started[0]!.reject(new ApiError(413, 'quota_exceeded', 'over'));
    started[1]!.resolve(stored('ok'));
    await settle();
    expect(uploads.items[0]).toMatchObject({ status: 'failed', error: 'This file does not fit in your remaining storage.' });
    expect(seen).toEqual(['ok']);

    uploads.clearFinished();
    expect(uploads.items).toEqual([]);
  });

  describe('resumable uploads', () => {
    const big = (name: string, lastModified = 1) => new File([new Uint8Array(SINGLE_REQUEST_MAX_BYTES + 1)], name, { lastModified });

    it('sends big files through tus and small ones in one request', () => {
      const uploads = useUploadStore();
      uploads.setUser('u1');
      uploads.enqueue([big('big.bin'), file('small.txt')], 'f1');
      expect(resumables.map((r) => [r.file.name, r.target])).toEqual([['big.bin', { folder: 'f1', userId: 'u1' }]]);
      expect(started.map((u) => u.file.name)).toEqual(['small.txt']);
      expect(uploads.items.map((i) => i.resumable)).toEqual([true, false]);
    });

    it('pauses and resumes, giving the slot to the next file meanwhile', async () => {
      const uploads = useUploadStore();
      uploads.setUser('u1');
      uploads.enqueue([big('a'), big('b'), big('c')]);
      expect(uploads.busy).toBe(true);
      const a = uploads.items[0]!;
      uploads.pause(a.id);
      expect(resumables[0]!.pause).toHaveBeenCalledOnce();
      expect(uploads.items.map((i) => i.status)).toEqual(['paused', 'uploading', 'uploading']);
      uploads.resume(a.id);
      expect(uploads.items[0]!.status).toBe('queued');
      resumables[1]!.resolve({ itemId: 'x' });
      await settle();
      expect(resumables[0]!.resume).toHaveBeenCalledOnce();
      expect(resumables).toHaveLength(3);
      expect(uploads.items.map((i) => i.status)).toEqual(['uploading', 'done', 'uploading']);
    });

    it('shows speed, time left, a retry and where a resume started', () => {
      const uploads = useUploadStore();
      uploads.setUser('u1');
      uploads.enqueue([big('a')]);
      const events = resumables[0]!.events;
      events.onResumedAt(1000);
      events.onRetry(0);
      expect(uploads.items[0]).toMatchObject({ resumedAt: 1000, retrying: true });
      events.onProgress(2000, SINGLE_REQUEST_MAX_BYTES + 1);
      expect(uploads.items[0]).toMatchObject({ loaded: 2000, retrying: false });
    });

    it('brings the queue back after a reload, waiting for the files, and continues a row when its file is picked again', async () => {
      const first = useUploadStore();
      first.setUser('u1');
      first.enqueue([big('a.bin', 7), big('b.bin', 8)], 'f1');
      resumables[0]!.events.onProgress(500, SINGLE_REQUEST_MAX_BYTES + 1);
      first.pause(first.items[1]!.id);
      first.persistNow();

      // A reload: a new store, the same account.
      setActivePinia(createPinia());
      resumables.length = 0;
      const after = useUploadStore();
      after.setUser('u1');
      expect(after.busy).toBe(false);
      expect(after.items.map((i) => [i.name, i.status, i.loaded])).toEqual([
        ['a.bin', 'waitingForFile', 500],
        ['b.bin', 'waitingForFile', 0],
      ]);
      // Another file of the same name is a new upload; the same file continues its row.
      after.enqueue([big('a.bin', 99)], 'f1');
      after.enqueue([big('a.bin', 7)], 'f1');
      expect(after.items.map((i) => [i.name, i.status])).toEqual([
        ['a.bin', 'uploading'],
        ['b.bin', 'waitingForFile'],
        ['a.bin', 'uploading'],
      ]);
      expect(resumables.map((r) => r.file.lastModified)).toEqual([99, 7]);

      // Another account sees none of it.
      after.setUser('u2');
      expect(after.items).toEqual([]);
    });

    it('cancels a row waiting for its file by removing the upload on the server', () => {
      const first = useUploadStore();
      first.setUser('u1');
      first.enqueue([big('a.bin')]);
      first.persistNow();
      setActivePinia(createPinia());
      const after = useUploadStore();
      after.setUser('u1');
      after.cancel(after.items[0]!.id);
      expect(forgotten).toEqual([first.items[0]!.key]);
      expect(after.items[0]!.status).toBe('cancelled');
    });

    it('keeps a failed row with its file so that Retry continues it', async () => {
      const uploads = useUploadStore();
      uploads.setUser('u1');
      uploads.enqueue([big('a')]);
      resumables[0]!.reject(new ApiError(413, 'quota_exceeded', 'over'));
      await settle();
      expect(uploads.items[0]).toMatchObject({ status: 'failed', error: 'This file does not fit in your remaining storage.' });
      uploads.resume(uploads.items[0]!.id);
      expect(resumables).toHaveLength(2);
      expect(uploads.items[0]!.status).toBe('uploading');
    });
  });
});
