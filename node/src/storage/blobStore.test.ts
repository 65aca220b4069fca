import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import { blobPath, tempDir } from './layout';
import {
  AbortedError,
  IntegrityError,
  InvalidIdError,
  NotFoundError,
  RangeNotSatisfiableError,
  TooLargeError,
} from './storageErrors';
import { chunksOf, FILE, OTHER_FILE, OTHER_USER, readAll, sha256, tempStore, type TempStore, USER } from './testSupport';

let t: TempStore;
beforeEach(async () => {
  t = await tempStore();
});
afterEach(async () => {
  await t.cleanup();
});

const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7) % 251));
const tempFiles = () => readdir(tempDir(t.nodeDir));

describe('BlobStore.write', () => {
  it('round-trips a blob and reports the same sha256 as its content', async () => {
    const result = await t.store.write(USER, FILE, chunksOf(data));
    expect(result).toEqual({ size: data.length, sha256: sha256(data) });
    expect(await readFile(blobPath(t.nodeDir, USER, FILE))).toEqual(data);
    expect(await readAll((await t.store.open(USER, FILE)).stream)).toEqual(data);
    expect(await t.store.hash(USER, FILE)).toBe(sha256(data));
    expect(await tempFiles()).toEqual([]);
  });

  it('accepts a Readable and an empty stream', async () => {
    expect(await t.store.write(USER, FILE, Readable.from([data]))).toMatchObject({ size: data.length });
    expect(await t.store.write(USER, OTHER_FILE, chunksOf(Buffer.alloc(0)))).toEqual({ size: 0, sha256: sha256(Buffer.alloc(0)) });
    expect(await t.store.stat(USER, OTHER_FILE)).toEqual({ size: 0 });
  });

  it('writes exactly maxBytes', async () => {
    await expect(t.store.write(USER, FILE, chunksOf(data), { maxBytes: data.length })).resolves.toMatchObject({ size: data.length });
  });

  it('refuses maxBytes + 1, leaving no temp file and the previous version intact', async () => {
    const previous = Buffer.from('previous version');
    await t.store.write(USER, FILE, chunksOf(previous));
    const bigger = Buffer.concat([data, Buffer.from([1])]);
    await expect(t.store.write(USER, FILE, chunksOf(bigger), { maxBytes: data.length })).rejects.toBeInstanceOf(TooLargeError);
    expect(await tempFiles()).toEqual([]);
    expect(await readFile(blobPath(t.nodeDir, USER, FILE))).toEqual(previous);
  });

  it('stops reading the source once maxBytes is crossed', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      for (;;) {
        pulled++;
        yield Buffer.alloc(1024);
      }
    }
    await expect(t.store.write(USER, FILE, endless(), { maxBytes: 10 * 1024 })).rejects.toBeInstanceOf(TooLargeError);
    expect(pulled).toBeLessThan(20);
  });

  it('refuses a sha256 mismatch and stores nothing', async () => {
    const wrong = sha256(Buffer.from('something else'));
    await expect(t.store.write(USER, FILE, chunksOf(data), { expectedSha256: wrong })).rejects.toMatchObject({
      code: 'integrity_mismatch',
      what: 'sha256',
    });
    expect(await t.store.stat(USER, FILE)).toBeUndefined();
    expect(await tempFiles()).toEqual([]);
  });

  it('accepts a matching sha256 in upper case', async () => {
    const expectedSha256 = sha256(data).toUpperCase();
    await expect(t.store.write(USER, FILE, chunksOf(data), { expectedSha256 })).resolves.toMatchObject({ size: data.length });
  });

  it('refuses a size mismatch either way and stores nothing', async () => {
    for (const expectedSize of [data.length - 1, data.length + 1]) {
      await expect(t.store.write(USER, FILE, chunksOf(data), { expectedSize })).rejects.toBeInstanceOf(IntegrityError);
    }
    expect(await t.store.stat(USER, FILE)).toBeUndefined();
    expect(await tempFiles()).toEqual([]);
  });

  it('leaves nothing behind when aborted mid-stream, even with a source stuck waiting', async () => {
    const previous = Buffer.from('previous version');
    await t.store.write(USER, FILE, chunksOf(previous));
    const controller = new AbortController();
    async function* stalls(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(4096, 1);
      yield Buffer.alloc(4096, 2);
      setTimeout(() => controller.abort(), 10);
      // Never resumes: the write must still settle (the test's timeout would catch a hang).
      await new Promise(() => {});
    }
    await expect(t.store.write(USER, FILE, stalls(), { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(await tempFiles()).toEqual([]);
    expect(await readFile(blobPath(t.nodeDir, USER, FILE))).toEqual(previous);
  }, 5000);

  it('treats a source destroyed mid-stream (client gone) as aborted', async () => {
    const request = new Readable({ read() {} });
    request.push(Buffer.alloc(4096));
    setTimeout(() => request.destroy(), 10);
    await expect(t.store.write(USER, FILE, request)).rejects.toBeInstanceOf(AbortedError);
    expect(await t.store.stat(USER, FILE)).toBeUndefined();
    expect(await tempFiles()).toEqual([]);
  });

  it('refuses an already aborted signal before touching the disk', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(t.store.write(USER, FILE, chunksOf(data), { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(await t.store.stat(USER, FILE)).toBeUndefined();
  });

  it('refuses ids that are not UUIDs before touching the disk', async () => {
    await expect(t.store.write('../x', FILE, chunksOf(data))).rejects.toBeInstanceOf(InvalidIdError);
    await expect(t.store.write(USER, '..', chunksOf(data))).rejects.toBeInstanceOf(InvalidIdError);
    expect((await readdir(t.nodeDir)).sort()).toEqual(['_system']);
  });
});

describe('BlobStore.open', () => {
  beforeEach(async () => {
    await t.store.write(USER, FILE, chunksOf(data));
  });

  const cases: [string, number, number][] = [
    ['first byte', 0, 0],
    ['last byte', data.length - 1, data.length - 1],
    ['middle', 1234, 5678],
    ['whole', 0, data.length - 1],
  ];
  for (const [name, start, end] of cases) {
    it(`reads a range: ${name}`, async () => {
      const blob = await t.store.open(USER, FILE, { start, end });
      expect(blob).toMatchObject({ size: data.length, start, end, length: end - start + 1 });
      expect(await readAll(blob.stream)).toEqual(data.subarray(start, end + 1));
    });
  }

  it('clamps an end past the last byte, as HTTP does', async () => {
    const blob = await t.store.open(USER, FILE, { start: 9000, end: 1e9 });
    expect(blob).toMatchObject({ start: 9000, end: data.length - 1, length: data.length - 9000 });
    expect(await readAll(blob.stream)).toEqual(data.subarray(9000));
  });

  it('refuses a range starting past the end, or backwards', async () => {
    await expect(t.store.open(USER, FILE, { start: data.length, end: data.length })).rejects.toBeInstanceOf(RangeNotSatisfiableError);
    await expect(t.store.open(USER, FILE, { start: 5, end: 4 })).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('throws NotFoundError for a missing blob or user', async () => {
    await expect(t.store.open(USER, OTHER_FILE)).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.store.open(OTHER_USER, FILE)).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.store.hash(USER, OTHER_FILE)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('BlobStore.stat and remove', () => {
  it('removes idempotently and keeps the user files directory', async () => {
    await t.store.write(USER, FILE, chunksOf(data));
    expect(await t.store.stat(USER, FILE)).toEqual({ size: data.length });
    expect(await t.store.remove(USER, FILE)).toBe(true);
    expect(await t.store.remove(USER, FILE)).toBe(false);
    expect(await t.store.stat(USER, FILE)).toBeUndefined();
    expect(await readdir(path.join(t.nodeDir, USER, 'files'))).toEqual([]);
  });
});

describe('BlobStore.hash', () => {
  it('tells a corrupted blob apart from a sound one', async () => {
    await t.store.write(USER, FILE, chunksOf(data));
    expect(await t.store.hash(USER, FILE)).toBe(sha256(data));
    const corrupted = Buffer.from(data);
    corrupted[5000] = (corrupted[5000] ?? 0) ^ 0xff;
    await writeFile(blobPath(t.nodeDir, USER, FILE), corrupted);
    expect(await t.store.hash(USER, FILE)).toBe(sha256(corrupted));
  });

  it('reads no faster than bytesPerSecond', async () => {
    await t.store.write(USER, FILE, chunksOf(data));
    let now = 0;
    const pace = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    expect(await t.store.hash(USER, FILE, { bytesPerSecond: 1000, pace })).toBe(sha256(data));
    // 10,000 bytes at 1,000 B/s: ten seconds of (pretend) time.
    expect(now).toBeCloseTo(10_000, 0);
  });

  it('stops when aborted', async () => {
    await t.store.write(USER, FILE, chunksOf(data));
    const controller = new AbortController();
    const pace = { now: () => 0, sleep: async () => controller.abort() };
    await expect(t.store.hash(USER, FILE, { bytesPerSecond: 1000, pace, signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
  });
});

describe('BlobStore.init', () => {
  it('removes leftover temp files of interrupted writes', async () => {
    await writeFile(path.join(tempDir(t.nodeDir), 'crashed-1.tmp'), 'partial');
    await writeFile(path.join(tempDir(t.nodeDir), 'crashed-2.tmp'), 'partial');
    expect(await t.store.init()).toBe(2);
    expect(await tempFiles()).toEqual([]);
    expect(await t.store.init()).toBe(0);
  });
});

describe('BlobStore.list', () => {
  it('lists every blob and ignores anything that does not fit the layout', async () => {
    await t.store.write(USER, FILE, chunksOf(data));
    await t.store.write(USER, OTHER_FILE, chunksOf(data.subarray(0, 10)));
    await t.store.write(OTHER_USER, FILE, chunksOf(data.subarray(0, 20)));
    const files = path.join(t.nodeDir, USER, 'files');
    await writeFile(path.join(files, 'notes.txt'), 'x');
    await writeFile(path.join(files, `${FILE.toUpperCase()}.bin`), 'x');
    await mkdir(path.join(files, '11111111-1111-4111-8111-111111111111.bin'));
    await symlink(path.join(files, `${FILE}.bin`), path.join(files, '22222222-2222-4222-8222-222222222222.bin'));
    await mkdir(path.join(t.nodeDir, 'not-a-user', 'files'), { recursive: true });
    await writeFile(path.join(t.nodeDir, 'not-a-user', 'files', `${FILE}.bin`), 'x');
    await writeFile(path.join(tempDir(t.nodeDir), `${FILE}.bin`), 'x');

    const entries = [];
    for await (const entry of t.store.list()) entries.push(entry);
    const key = (e: { userId: string; fileId: string }) => `${e.userId}/${e.fileId}`;
    // Every blob carries its modification time, so that sweeps can tell fresh from stale.
    for (const entry of entries) expect(Math.abs(entry.mtimeMs - Date.now())).toBeLessThan(60_000);
    expect(entries.map(({ userId, fileId, size }) => ({ userId, fileId, size })).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      [
        { userId: USER, fileId: FILE, size: data.length },
        { userId: USER, fileId: OTHER_FILE, size: 10 },
        { userId: OTHER_USER, fileId: FILE, size: 20 },
      ].sort((a, b) => key(a).localeCompare(key(b))),
    );
    expect(await t.store.bytesStored()).toBe(data.length + 30);
  });
});
