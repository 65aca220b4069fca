import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BlobOpener } from '../storage/encryption/blobDecoder';
import { blobSize, encodeHeader, KEY_BYTES, NONCE_BASE_BYTES, wrapDataKey } from '../storage/encryption/blobFormat';
import { MasterKeyring } from '../storage/encryption/masterKeys';
import { partialBytes, PartialSealer, type SealedSegment } from './partialSealer';
import { openTail, sealTail, tailKey, TailError } from './tailCipher';

const SEGMENT = 4096;
const keyring = MasterKeyring.fromKeys([randomBytes(32)]);

function newUpload(length: number) {
  const dataKey = randomBytes(KEY_BYTES);
  const nonceBase = randomBytes(NONCE_BASE_BYTES);
  const header = encodeHeader(wrapDataKey(dataKey, keyring.current, { nonceBase, segmentSize: SEGMENT, sequence: 1 }));
  return { dataKey, nonceBase, header, length, uploadId: '5b0c8d52-53a4-4b8e-9d1c-3a2f0e6b7c11' };
}

/** Sends `data` as PATCHes of the given sizes, each through a fresh sealer resumed from the sealed tail, as another coordinator would. */
function sendInPatches(data: Buffer, sizes: number[]) {
  const upload = newUpload(data.length);
  const key = tailKey(upload.dataKey);
  const parts: Buffer[] = [upload.header];
  let offset = 0;
  let sealedTail: Buffer = Buffer.alloc(0);
  let sealed = false;
  const hash = createHash('sha256');
  for (const size of [...sizes, data.length]) {
    if (sealed) break;
    const tail = openTail(key, upload.uploadId, offset, sealedTail);
    const sealer = new PartialSealer({ dataKey: upload.dataKey, nonceBase: upload.nonceBase, segmentSize: SEGMENT, length: data.length, offset, tail, hash });
    const body = data.subarray(offset, Math.min(data.length, offset + size));
    // The body arrives in irregular network chunks.
    for (let at = 0; at < body.length; at += 777) sealer.update(body.subarray(at, at + 777), (pieces) => parts.push(...pieces));
    const end = sealer.end((pieces) => parts.push(...pieces));
    expect(Buffer.concat(parts).length).toBe(partialBytes(end.offset, data.length, SEGMENT, end.sealed));
    offset = end.offset;
    sealed = end.sealed;
    sealedTail = sealTail(key, upload.uploadId, offset, end.tail);
  }
  return { blob: Buffer.concat(parts), digest: hash.digest('hex'), sealed };
}

function open(blob: Buffer): Buffer {
  const opener = new BlobOpener({ keys: keyring, output: 'plaintext' });
  const out: Buffer[] = [];
  opener.update(blob, (bytes) => out.push(bytes));
  opener.end((bytes) => out.push(bytes));
  return Buffer.concat(out);
}

describe('PartialSealer', () => {
  it('seals PATCHes of any size into the very blob a single upload would be, resumable from the sealed tail', () => {
    const data = randomBytes(10 * SEGMENT + 1234);
    const { blob, digest, sealed } = sendInPatches(data, [1, SEGMENT - 1, 3 * SEGMENT + 5, 100, 0, 2 * SEGMENT]);
    expect(sealed).toBe(true);
    expect(blob.length).toBe(blobSize(data.length, SEGMENT));
    expect(open(blob).equals(data)).toBe(true);
    expect(digest).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('ends a length that is a whole number of segments with an empty last segment, and an empty file with only that', () => {
    for (const length of [3 * SEGMENT, 0]) {
      const data = randomBytes(length);
      const { blob } = sendInPatches(data, [SEGMENT, SEGMENT]);
      expect(blob.length).toBe(blobSize(length, SEGMENT));
      expect(open(blob).equals(data)).toBe(true);
    }
  });

  it('holds a segment back until it is whole and seals the last one only with the final byte', () => {
    const upload = newUpload(2 * SEGMENT + 10);
    const out: SealedSegment[] = [];
    const sealer = new PartialSealer({ dataKey: upload.dataKey, nonceBase: upload.nonceBase, segmentSize: SEGMENT, length: upload.length, offset: 0, tail: Buffer.alloc(0) });
    sealer.update(randomBytes(SEGMENT - 1), (b) => out.push(b));
    expect(out).toHaveLength(0);
    sealer.update(randomBytes(5), (b) => out.push(b));
    expect(out).toHaveLength(1);
    const end = sealer.end((b) => out.push(b));
    expect(out).toHaveLength(1);
    expect(end).toMatchObject({ offset: SEGMENT + 4, sealed: false });
    expect(end.tail.length).toBe(4);
    const last = new PartialSealer({ dataKey: upload.dataKey, nonceBase: upload.nonceBase, segmentSize: SEGMENT, length: upload.length, offset: end.offset, tail: end.tail });
    last.update(randomBytes(SEGMENT + 6), (b) => out.push(b));
    expect(out).toHaveLength(2);
    expect(last.end((b) => out.push(b))).toMatchObject({ offset: upload.length, sealed: true, tail: Buffer.alloc(0) });
    expect(out).toHaveLength(3);
  });

  it('refuses a byte past the declared length and a tail that does not fit the offset', () => {
    const upload = newUpload(10);
    const sealer = new PartialSealer({ dataKey: upload.dataKey, nonceBase: upload.nonceBase, segmentSize: SEGMENT, length: 10, offset: 4, tail: Buffer.alloc(4) });
    expect(() => sealer.update(Buffer.alloc(7), () => undefined)).toThrow(RangeError);
    expect(() => new PartialSealer({ dataKey: upload.dataKey, nonceBase: upload.nonceBase, segmentSize: SEGMENT, length: 10, offset: 4, tail: Buffer.alloc(3) })).toThrow(RangeError);
  });
});

describe('the sealed tail', () => {
  const key = tailKey(randomBytes(32));
  const id = '5b0c8d52-53a4-4b8e-9d1c-3a2f0e6b7c11';

  it('opens only at its own offset and upload, with a fresh nonce each time it is sealed', () => {
    const tail = Buffer.from('the plaintext after the last whole segment');
    const a = sealTail(key, id, 100, tail);
    const b = sealTail(key, id, 100, tail);
    expect(a.equals(b)).toBe(false);
    expect(a.indexOf(tail)).toBe(-1);
    expect(openTail(key, id, 100, a).equals(tail)).toBe(true);
    expect(() => openTail(key, id, 101, a)).toThrow(TailError);
    expect(() => openTail(key, '00000000-0000-4000-8000-000000000000', 100, a)).toThrow(TailError);
    a[20]! ^= 1;
    expect(() => openTail(key, id, 100, a)).toThrow(TailError);
  });

  it('keeps nothing for an empty tail', () => {
    expect(sealTail(key, id, 4096, Buffer.alloc(0)).length).toBe(0);
    expect(openTail(key, id, 4096, Buffer.alloc(0)).length).toBe(0);
  });
});
