import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import pino from 'pino';
import { BlobStore } from './blobStore';
import { blobPath, tempDir } from './layout';
import { IntegrityError, TooLargeError } from './storageErrors';
import { BLOB_MAGIC, DEFAULT_SEGMENT_BYTES as S, HEADER_BYTES, lastSegmentIndex, segmentOffset, TAG_BYTES } from './encryption/blobFormat';
import { BlobDecoder } from './encryption/blobDecoder';
import { MasterKeyring } from './encryption/masterKeys';
import { chunksOf, FILE, OTHER_FILE, readAll, sha256, tempStore, testKeyring, type TempStore, USER } from './testSupport';

const keyring = testKeyring();
let t: TempStore;
beforeEach(async () => {
  t = await tempStore('geovault-blobstore-enc-', { keyring, enabled: true });
});
afterEach(async () => {
  await t.cleanup();
});

/** A pattern that is easy to look for on disk: 16 recognisable bytes, repeated. */
const MARK = Buffer.from('GEOVAULT-PATTERN');
const patterned = (n: number) => Buffer.alloc(n, MARK);
const data = patterned(3 * S + 1000);
const onDisk = () => readFile(blobPath(t.nodeDir, USER, FILE));
/** Buffers compared as bytes: toEqual walks them as objects, seconds for a few hundred KiB. */
function sameBytes(actual: Buffer, expected: Buffer, what?: string): void {
  expect(actual.length, what).toBe(expected.length);
  expect(actual.equals(expected), what).toBe(true);
}

describe('BlobStore with encryption', () => {
  it('stores no plaintext, and gives back the plaintext, its size and its hash', async () => {
    expect(await t.store.write(USER, FILE, chunksOf(data, 10_000))).toEqual({ size: data.length, sha256: sha256(data) });
    const stored = await onDisk();
    expect(stored.subarray(0, BLOB_MAGIC.length)).toEqual(BLOB_MAGIC);
    expect(stored.indexOf(MARK)).toBe(-1);
    expect(stored.length).toBe(HEADER_BYTES + data.length + 4 * TAG_BYTES);
    expect(await t.store.stat(USER, FILE)).toEqual({ size: data.length });
    sameBytes(await readAll((await t.store.open(USER, FILE)).stream), data);
    expect(await t.store.hash(USER, FILE)).toBe(sha256(data));
  });

  it('answers every kind of range: inside a segment, at its edges, across segments, the last byte', async () => {
    await t.store.write(USER, FILE, chunksOf(data, 7_777));
    const n = data.length;
    for (const [start, end] of [[0, 0], [S - 1, S - 1], [S - 1, S], [S, 2 * S - 1], [5, 3 * S + 2], [n - 1, n - 1], [n - 1000, n + 50], [0, n - 1]] as const) {
      const opened = await t.store.open(USER, FILE, { start, end });
      const last = Math.min(end, n - 1);
      expect(opened).toMatchObject({ size: n, start, end: last, length: last - start + 1 });
      sameBytes(await readAll(opened.stream), data.subarray(start, last + 1), `${start}-${end}`);
    }
  });

  it('reads a blob of many reads right, whole and in ranges across reads, however slowly it is consumed', async () => {
    // Every read of a download reuses one buffer; each chunk given out must stay as it was.
    const big = randomBytes(40 * S + 123);
    await t.store.write(USER, FILE, chunksOf(big, 100_000));
    const n = big.length;
    const slowly = async (stream: Readable) => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) {
        chunks.push(chunk as Buffer);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return Buffer.concat(chunks);
    };
    expect((await slowly((await t.store.open(USER, FILE)).stream)).equals(big)).toBe(true);
    for (const [start, end] of [[16 * S - 1, 16 * S], [3, 33 * S + 7], [17 * S + 5, n - 1]] as const) {
      const got = await slowly((await t.store.open(USER, FILE, { start, end })).stream);
      expect(got.equals(big.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
    }
  });

  it('closes the blob when a download is cut off, with the next read already under way', async () => {
    const big = randomBytes(40 * S);
    await t.store.write(USER, FILE, chunksOf(big, 100_000));
    const file = blobPath(t.nodeDir, USER, FILE);
    const openOnBlob = async () => {
      const fds = await readdir('/proc/self/fd');
      const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
      return targets.filter((target) => target === file).length;
    };
    const { stream } = await t.store.open(USER, FILE);
    const first = (await stream[Symbol.asyncIterator]().next()).value as Buffer;
    sameBytes(first, big.subarray(0, first.length));
    expect(await openOnBlob()).toBe(1);
    stream.destroy();
    await once(stream, 'close');
    expect(await openOnBlob()).toBe(0);
  });

  it('round-trips an empty file and one of exactly one segment', async () => {
    await t.store.write(USER, FILE, chunksOf(Buffer.alloc(0)));
    expect(await t.store.stat(USER, FILE)).toEqual({ size: 0 });
    sameBytes(await readAll((await t.store.open(USER, FILE)).stream), Buffer.alloc(0));
    const one = patterned(S);
    await t.store.write(USER, OTHER_FILE, chunksOf(one, 5000));
    sameBytes(await readAll((await t.store.open(USER, OTHER_FILE, { start: S - 1, end: S - 1 })).stream), one.subarray(S - 1));
    expect(await t.store.hash(USER, OTHER_FILE)).toBe(sha256(one));
  });

  it('finds a flipped byte: reads and hashes of its segment fail, other segments still read', async () => {
    await t.store.write(USER, FILE, chunksOf(data));
    const stored = await onDisk();
    stored[segmentOffset(2, S) + 100]! ^= 0x40;
    await writeFile(blobPath(t.nodeDir, USER, FILE), stored);
    expect(await t.store.stat(USER, FILE)).toEqual({ size: data.length });
    await expect(t.store.hash(USER, FILE)).rejects.toBeInstanceOf(IntegrityError);
    await expect(readAll((await t.store.open(USER, FILE, { start: 2 * S, end: 2 * S })).stream)).rejects.toBeInstanceOf(IntegrityError);
    sameBytes(await readAll((await t.store.open(USER, FILE, { start: 0, end: 2 * S - 1 })).stream), data.subarray(0, 2 * S));
  });

  it('says -1 for the size of a blob cut short, so callers take it for corrupt', async () => {
    await t.store.write(USER, FILE, chunksOf(data));
    const stored = await onDisk();
    await writeFile(blobPath(t.nodeDir, USER, FILE), stored.subarray(0, segmentOffset(1, S) + 5));
    expect(await t.store.stat(USER, FILE)).toEqual({ size: -1 });
    await writeFile(blobPath(t.nodeDir, USER, FILE), stored.subarray(0, 100));
    expect(await t.store.stat(USER, FILE)).toEqual({ size: -1 });
    // Cut at a segment boundary: the sizes fit, the tags do not.
    await writeFile(blobPath(t.nodeDir, USER, FILE), stored.subarray(0, segmentOffset(2, S)));
    await expect(t.store.hash(USER, FILE)).rejects.toBeInstanceOf(IntegrityError);
  });

  it('stores a replica (an encrypted blob) byte for byte, checking its tags and hashing its plaintext', async () => {
    await t.store.write(USER, FILE, chunksOf(data));
    const blob = await onDisk();
    for (const input of ['blob', 'auto'] as const) {
      expect(await t.store.write(USER, OTHER_FILE, chunksOf(blob, 3000), { input, expectedSha256: sha256(data), expectedSize: data.length })).toEqual({
        size: data.length,
        sha256: sha256(data),
      });
      sameBytes(await readFile(blobPath(t.nodeDir, USER, OTHER_FILE)), blob);
    }
    const bad = Buffer.from(blob);
    bad[bad.length - 1]! ^= 1;
    await t.store.remove(USER, OTHER_FILE);
    await expect(t.store.write(USER, OTHER_FILE, chunksOf(bad), { input: 'auto' })).rejects.toBeInstanceOf(IntegrityError);
    expect(await t.store.stat(USER, OTHER_FILE)).toBeUndefined();
    expect(await readdir(tempDir(t.nodeDir))).toEqual([]);
    // Limits are on the plaintext.
    await expect(t.store.write(USER, OTHER_FILE, chunksOf(blob), { input: 'blob', maxBytes: data.length - 1 })).rejects.toBeInstanceOf(TooLargeError);
  });

  it('refuses a replica wrapped under a key it does not have', async () => {
    const other = await tempStore('geovault-blobstore-enc2-', { keyring: MasterKeyring.fromKeys([Buffer.alloc(32, 99)]), enabled: true });
    try {
      await other.store.write(USER, FILE, chunksOf(data));
      const foreign = await readFile(blobPath(other.nodeDir, USER, FILE));
      await expect(t.store.write(USER, FILE, chunksOf(foreign), { input: 'blob' })).rejects.toMatchObject({ code: 'master_key_unknown' });
    } finally {
      await other.cleanup();
    }
  });

  it('reads blobs written before encryption as they are', async () => {
    const plainStore = new BlobStore(t.nodeDir, { logger: pino({ level: 'silent' }) });
    await plainStore.write(USER, FILE, chunksOf(data));
    expect((await onDisk()).equals(data)).toBe(true);
    expect(await t.store.stat(USER, FILE)).toEqual({ size: data.length });
    sameBytes(await readAll((await t.store.open(USER, FILE, { start: 10, end: 20 })).stream), data.subarray(10, 21));
    expect(await t.store.hash(USER, FILE)).toBe(sha256(data));
    expect((await t.store.openRaw(USER, FILE)).format).toBe('plain');
  });

  it('writes plaintext when encryption is switched off, and still reads encrypted blobs', async () => {
    await t.store.write(USER, FILE, chunksOf(data));
    const off = new BlobStore(t.nodeDir, { logger: pino({ level: 'silent' }), encryption: { keyring, enabled: false } });
    await off.write(USER, OTHER_FILE, chunksOf(data));
    expect((await readFile(blobPath(t.nodeDir, USER, OTHER_FILE))).equals(data)).toBe(true);
    expect(await off.hash(USER, FILE)).toBe(sha256(data));
  });

  it('gives a peer the header and only the segments a range touches, which open to the range', async () => {
    await t.store.write(USER, FILE, chunksOf(data));
    const n = data.length;
    const raw = await t.store.openRaw(USER, FILE, { start: S + 10, end: 2 * S + 10 });
    expect(raw).toMatchObject({ format: 'blob', plainSize: n, start: S + 10, end: 2 * S + 10, span: { first: 1, last: 2 } });
    const bytes = await readAll(raw.stream);
    expect(bytes.length).toBe(raw.length);
    expect(bytes.length).toBe(HEADER_BYTES + 2 * (S + TAG_BYTES));
    const decoder = new BlobDecoder({ keys: keyring, output: 'plaintext', span: { ...raw.span!, blobLast: lastSegmentIndex(n, S) }, skip: 10, length: S + 1 });
    decoder.end(bytes);
    sameBytes(await readAll(decoder), data.subarray(S + 10, 2 * S + 11));
    const whole = await t.store.openRaw(USER, FILE);
    sameBytes(await readAll(whole.stream), await onDisk());
  });

  it('links a copy to the same encrypted bytes', async () => {
    await t.store.write(USER, FILE, chunksOf(data));
    expect(await t.store.link(USER, FILE, OTHER_FILE)).toBe(true);
    expect(await t.store.hash(USER, OTHER_FILE)).toBe(sha256(data));
  });

  it('encrypts a blob from before encryption in place, once, and leaves it whole when stopped halfway', async () => {
    const plainStore = new BlobStore(t.nodeDir, { logger: pino({ level: 'silent' }) });
    await plainStore.write(USER, FILE, chunksOf(data));
    const stopped = new AbortController();
    const halfway = t.store.encryptInPlace(USER, FILE, { bytesPerSecond: 100_000, signal: stopped.signal });
    setTimeout(() => stopped.abort(), 300);
    await expect(halfway).rejects.toThrow();
    expect((await onDisk()).equals(data)).toBe(true);
    expect(await readdir(tempDir(t.nodeDir))).toEqual([]);

    expect(await t.store.encryptInPlace(USER, FILE)).toBe('converted');
    expect((await onDisk()).indexOf(MARK)).toBe(-1);
    expect(await t.store.hash(USER, FILE)).toBe(sha256(data));
    expect(await t.store.encryptInPlace(USER, FILE)).toBe('skipped');
    expect(await t.store.encryptInPlace(USER, OTHER_FILE)).toBe('skipped');
  });

  it('re-wraps a data key under a new master key in the header alone, and replicas under the old key as they come', async () => {
    const oldKey = Buffer.alloc(32, 7);
    const newKey = Buffer.alloc(32, 8);
    await t.store.write(USER, FILE, chunksOf(data));
    const before = await onDisk();
    const rotated = new BlobStore(t.nodeDir, { logger: pino({ level: 'silent' }), encryption: { keyring: MasterKeyring.fromKeys([newKey, oldKey]), enabled: true } });
    expect(await rotated.keyIdOf(USER, FILE)).toBe(keyring.current.id.toString('hex'));
    expect(await rotated.rewrapInPlace(USER, FILE)).toBe('rewrapped');
    expect(await rotated.rewrapInPlace(USER, FILE)).toBe('skipped');
    const after = await onDisk();
    expect(after.length).toBe(before.length);
    // Only the header changed: every segment is the same bytes.
    expect(after.subarray(HEADER_BYTES).equals(before.subarray(HEADER_BYTES))).toBe(true);
    const newOnly = new BlobStore(t.nodeDir, { logger: pino({ level: 'silent' }), encryption: { keyring: MasterKeyring.fromKeys([newKey]), enabled: true } });
    expect(await newOnly.hash(USER, FILE)).toBe(sha256(data));

    // A replica still under the old key (its sender not yet re-wrapped) is stored under the new one.
    expect(await rotated.write(USER, OTHER_FILE, chunksOf(before), { input: 'blob' })).toEqual({ size: data.length, sha256: sha256(data) });
    expect(await newOnly.hash(USER, OTHER_FILE)).toBe(sha256(data));
  });
});
