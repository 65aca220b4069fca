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

const { useUploadStore, MAX_PARALLEL_UPLOADS } = await import('./useUploadStore');

const file = (name: string, size = 100) => new File([new Uint8Array(size)], name);
const stored = (name: string): ClientFile => ({ id: name, name, size: 100, sha256: '', mime: 'text/plain', createdAt: '', replicas: {} });
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the upload queue', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    started.length = 0;
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
    uploads.onUploaded((f) => seen.push(f.name));
    uploads.enqueue([file('big'), file('ok')]);
    started[0]!.reject(new ApiError(413, 'quota_exceeded', 'over'));
    started[1]!.resolve(stored('ok'));
    await settle();
    expect(uploads.items[0]).toMatchObject({ status: 'failed', error: 'This file does not fit in your remaining storage.' });
    expect(seen).toEqual(['ok']);

    uploads.clearFinished();
    expect(uploads.items).toEqual([]);
  });
});
