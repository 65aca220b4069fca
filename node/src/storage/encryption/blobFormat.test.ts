import { createHash } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import {
  blobSize,
  encodeHeader,
  encodeSlot,
  HEADER_BYTES,
  lastSegmentIndex,
  newBlobKeys,
  openSegment,
  parseHeader,
  plainSizeOf,
  sealSegment,
  sealSegmentPieces,
  segmentOffset,
  segmentSpan,
  slotOffset,
  TAG_BYTES,
  unwrapDataKey,
  UnknownKeyError,
  BlobFormatError,
  wrapDataKey,
} from './blobFormat';
import { BlobSealer } from './blobEncryptor';
import { BlobOpener } from './blobDecoder';
import { MasterKeyring, masterKeyId, parseMasterKey } from './masterKeys';

const S = 4096;
const keyring = MasterKeyring.fromKeys([Buffer.alloc(32, 1)]);

function seal(plain: Buffer, segmentSize = S, chunk = 1000): Buffer {
  const sealer = new BlobSealer(keyring.current, { segmentSize, hash: true });
  const out: Buffer[] = [];
  for (let i = 0; i < plain.length; i += chunk) sealer.update(plain.subarray(i, i + chunk), (b) => out.push(b));
  sealer.end((b) => out.push(b));
  return Buffer.concat(out);
}

function open(blob: Buffer, opts: Partial<ConstructorParameters<typeof BlobOpener>[0]> = {}, chunk = 777): Buffer {
  const opener = new BlobOpener({ keys: keyring, output: 'plaintext', ...opts });
  const out: Buffer[] = [];
  for (let i = 0; i < blob.length; i += chunk) opener.update(blob.subarray(i, i + chunk), (b) => out.push(b));
  opener.end((b) => out.push(b));
  return Buffer.concat(out);
}

const pattern = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + 7) % 256));

describe('blob sizes', () => {
  it('maps plaintext sizes to blob sizes and back, with an empty last segment after a whole one', () => {
    for (const n of [0, 1, S - 1, S, S + 1, 2 * S, 3 * S + 17]) {
      const size = blobSize(n, S);
      expect(size).toBe(HEADER_BYTES + n + TAG_BYTES * (Math.floor(n / S) + 1));
      expect(plainSizeOf(size, S), `n=${n}`).toBe(n);
      expect(seal(pattern(n)).length, `sealed n=${n}`).toBe(size);
    }
  });

  it('knows no plaintext size for a cut or padded blob', () => {
    expect(plainSizeOf(HEADER_BYTES, S)).toBeUndefined();
    expect(plainSizeOf(HEADER_BYTES + TAG_BYTES - 1, S)).toBeUndefined();
    // A whole segment with no last segment after it: S + 16 .. S + 31 bytes of body are impossible.
    for (let extra = 0; extra < TAG_BYTES; extra++) expect(plainSizeOf(HEADER_BYTES + S + TAG_BYTES + extra, S)).toBeUndefined();
    expect(plainSizeOf(HEADER_BYTES + S + 2 * TAG_BYTES, S)).toBe(S);
  });

  it('keeps the overhead (208-byte header, 16 bytes a segment) under 0.1 % from about 300 KiB up', () => {
    for (const n of [300 * 1024, 10 * 1024 * 1024, 1024 ** 3]) expect((blobSize(n, 64 * 1024) - n) / n).toBeLessThan(0.001);
    expect(HEADER_BYTES).toBe(208);
  });
});

describe('segment spans (Range math)', () => {
  const size = 3 * S + 100;
  it('covers one segment for a range inside it, and its first and last bytes', () => {
    expect(segmentSpan(0, 0, size, S)).toMatchObject({ first: 0, last: 0, skip: 0, length: 1, from: HEADER_BYTES, to: HEADER_BYTES + S + TAG_BYTES });
    expect(segmentSpan(S - 1, S - 1, size, S)).toMatchObject({ first: 0, last: 0, skip: S - 1, length: 1 });
    expect(segmentSpan(S, S, size, S)).toMatchObject({ first: 1, last: 1, skip: 0, from: segmentOffset(1, S) });
  });

  it('spans segments for a range across a boundary, and reaches the short last segment', () => {
    expect(segmentSpan(S - 1, S, size, S)).toMatchObject({ first: 0, last: 1, skip: S - 1, length: 2, to: segmentOffset(2, S) });
    const tail = segmentSpan(size - 1, size - 1, size, S);
    expect(tail).toMatchObject({ first: 3, last: 3, skip: 99, length: 1 });
    expect(tail.to).toBe(blobSize(size, S));
    expect(segmentSpan(0, size - 1, size, S)).toMatchObject({ first: 0, last: 3, from: HEADER_BYTES, to: blobSize(size, S) });
  });

  it('reads the empty last segment of an empty file, and never past a whole last segment', () => {
    expect(segmentSpan(0, -1, 0, S)).toMatchObject({ first: 0, last: 0, from: HEADER_BYTES, to: HEADER_BYTES + TAG_BYTES, length: 0 });
    expect(segmentSpan(2 * S - 1, 2 * S - 1, 2 * S, S)).toMatchObject({ first: 1, last: 1, to: segmentOffset(2, S) });
    expect(lastSegmentIndex(2 * S, S)).toBe(2);
  });

  it('refuses ranges outside the file', () => {
    expect(() => segmentSpan(0, size, size, S)).toThrow(RangeError);
    expect(() => segmentSpan(5, 3, size, S)).toThrow(RangeError);
  });
});

describe('header slots', () => {
  const { dataKey, nonceBase } = newBlobKeys();
  const slot = wrapDataKey(dataKey, keyring.current, { nonceBase, segmentSize: S, sequence: 1 });

  it('wraps the data key so that only the master key unwraps it', () => {
    const header = parseHeader(encodeHeader(slot));
    expect(header.activeIndex).toBe(0);
    expect(header.otherValid).toBe(false);
    expect(unwrapDataKey(header.active, keyring)).toEqual(dataKey);
    expect(() => unwrapDataKey(header.active, MasterKeyring.fromKeys([Buffer.alloc(32, 2)]))).toThrow(UnknownKeyError);
    // The wrap binds the segment size and nonce base: another value fails the unwrap.
    expect(() => unwrapDataKey({ ...header.active, segmentSize: 2 * S }, keyring)).toThrow(BlobFormatError);
  });

  it('takes the valid slot with the highest sequence, and survives either slot being damaged', () => {
    const other = MasterKeyring.fromKeys([Buffer.alloc(32, 3), Buffer.alloc(32, 1)]);
    const rewrapped = wrapDataKey(dataKey, other.current, { nonceBase, segmentSize: S, sequence: 2 });
    const header = encodeHeader(slot);
    encodeSlot(rewrapped).copy(header, slotOffset(1));
    const parsed = parseHeader(header);
    expect(parsed.activeIndex).toBe(1);
    expect(parsed.otherValid).toBe(true);
    expect(unwrapDataKey(parsed.active, other)).toEqual(dataKey);

    const torn = Buffer.from(header);
    torn[slotOffset(1) + 10]! ^= 1; // a crash mid-rewrite of slot B
    expect(parseHeader(torn).activeIndex).toBe(0);
    const bothBad = Buffer.from(torn);
    bothBad[slotOffset(0) + 10]! ^= 1;
    expect(() => parseHeader(bothBad)).toThrow(BlobFormatError);
  });
});

describe('segments', () => {
  const { dataKey, nonceBase } = newBlobKeys();

  it('open only with their own index and last flag', () => {
    const sealed = sealSegment(dataKey, nonceBase, 3, false, pattern(100));
    expect(openSegment(dataKey, nonceBase, 3, false, sealed)).toEqual(pattern(100));
    expect(() => openSegment(dataKey, nonceBase, 4, false, sealed)).toThrow(BlobFormatError);
    expect(() => openSegment(dataKey, nonceBase, 3, true, sealed)).toThrow(BlobFormatError);
  });

  it('seal the pieces a segment came in as one ciphertext and a tag, and an empty one as its tag alone', () => {
    const plain = pattern(300);
    const sealed = sealSegmentPieces(dataKey, nonceBase, 2, true, [plain.subarray(0, 7), plain.subarray(7, 100), plain.subarray(100)]);
    expect(sealed.map((b) => b.length)).toEqual([300, TAG_BYTES]);
    expect(Buffer.concat(sealed).equals(sealSegment(dataKey, nonceBase, 2, true, plain))).toBe(true);
    // No empty buffer goes downstream: only the tag of an empty last segment.
    const empty = sealSegmentPieces(dataKey, nonceBase, 3, true, []);
    expect(empty.map((b) => b.length)).toEqual([TAG_BYTES]);
    expect(openSegment(dataKey, nonceBase, 3, true, empty[0]!)).toEqual(Buffer.alloc(0));
  });

  it('round-trip through the streaming sealer and opener for every size around the boundaries', () => {
    for (const n of [0, 1, S - 1, S, S + 1, 3 * S, 3 * S + 5]) {
      const plain = pattern(n);
      expect(open(seal(plain)), `n=${n}`).toEqual(plain);
    }
  });

  it('find a flipped bit, a cut at a segment boundary, a dropped and a swapped segment', () => {
    const blob = seal(pattern(3 * S + 5));
    const flipped = Buffer.from(blob);
    flipped[HEADER_BYTES + S + TAG_BYTES + 10]! ^= 0x01;
    expect(() => open(flipped)).toThrow(/segment 1 fails/);
    // Cut after segment 1: segment 1 is now last, but was sealed as not last.
    expect(() => open(blob.subarray(0, segmentOffset(2, S)))).toThrow();
    const seg = (i: number) => blob.subarray(segmentOffset(i, S), segmentOffset(i + 1, S));
    const header = blob.subarray(0, HEADER_BYTES);
    const tail = blob.subarray(segmentOffset(3, S));
    expect(() => open(Buffer.concat([header, seg(0), seg(2), tail]))).toThrow();
    expect(() => open(Buffer.concat([header, seg(1), seg(0), seg(2), tail]))).toThrow(/segment 0 fails/);
  });

  it('open a span of segments and trim it to the range', () => {
    const n = 3 * S + 5;
    const plain = pattern(n);
    const blob = seal(plain);
    for (const [start, end] of [[0, 0], [S - 1, S], [S + 3, 3 * S + 4], [n - 1, n - 1], [0, n - 1]] as const) {
      const span = segmentSpan(start, end, n, S);
      const bytes = Buffer.concat([blob.subarray(0, HEADER_BYTES), blob.subarray(span.from, span.to)]);
      const got = open(bytes, { span: { first: span.first, last: span.last, blobLast: lastSegmentIndex(n, S) }, skip: span.skip, length: span.length });
      expect(got, `${start}-${end}`).toEqual(plain.subarray(start, end + 1));
    }
  });

  it('hash and count the plaintext in verify mode while passing the blob through unchanged', () => {
    const plain = pattern(2 * S + 9);
    const blob = seal(plain);
    const opener = new BlobOpener({ keys: keyring, output: 'verify', hash: true });
    const out: Buffer[] = [];
    opener.update(blob, (b) => out.push(b));
    opener.end((b) => out.push(b));
    expect(Buffer.concat(out)).toEqual(blob);
    expect(opener.bytes).toBe(plain.length);
    expect(opener.digest()).toBe(createHash('sha256').update(plain).digest('hex'));
  });
});

describe('master keys', () => {
  it('parse hex and base64 of 32 bytes, and nothing else', () => {
    const key = Buffer.alloc(32, 9);
    expect(parseMasterKey(key.toString('hex'))).toEqual(key);
    expect(parseMasterKey(key.toString('base64'))).toEqual(key);
    expect(parseMasterKey(` ${key.toString('base64url')}\n`)).toEqual(key);
    expect(parseMasterKey(Buffer.alloc(31).toString('hex'))).toBeUndefined();
    expect(parseMasterKey(Buffer.alloc(33).toString('base64'))).toBeUndefined();
    expect(parseMasterKey('not a key')).toBeUndefined();
  });

  it('name a key by the start of its SHA-256, and find it by that id', () => {
    const key = Buffer.alloc(32, 9);
    expect(masterKeyId(key).toString('hex')).toBe(createHash('sha256').update(key).digest('hex').slice(0, 16));
    const ring = MasterKeyring.fromKeys([key, Buffer.alloc(32, 8)]);
    expect(ring.key(masterKeyId(Buffer.alloc(32, 8)))).toEqual(Buffer.alloc(32, 8));
    expect(ring.ids).toHaveLength(2);
    expect(ring.current.key).toEqual(key);
  });
});
