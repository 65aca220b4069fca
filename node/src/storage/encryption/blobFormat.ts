import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * The on-disk (and between-nodes) format of an encrypted blob (DESIGN §6, issue 15). Pure: no
 * I/O, only bytes in and bytes out, so every rule here is unit-tested on its own.
 *
 *   magic (7 bytes) ‖ version (1)                       8 bytes
 *   slot A                                              SLOT_BYTES
 *   slot B                                              SLOT_BYTES
 *   segment 0 ‖ segment 1 ‖ … ‖ segment n              each: ciphertext ‖ 16-byte GCM tag
 *
 * A slot is: sequence (u32) ‖ master key id (8) ‖ wrap nonce (12) ‖ the data key wrapped with
 * AES-256-GCM under the master key (32) ‖ wrap tag (16) ‖ nonce base (8) ‖ segment size (u32)
 * ‖ checksum (the first 16 bytes of SHA-256 over everything before it). Two slots, so that a
 * rotation re-wraps the data key into the inactive slot, fsyncs, and a crash at any moment
 * leaves at least one valid slot: readers take the valid slot with the highest sequence.
 *
 * Segments: every segment but the last holds exactly `segmentSize` plaintext bytes; the last
 * holds 0 to segmentSize-1 (a file of n·segmentSize bytes ends with an empty last segment), so
 * there is always a last segment and the plaintext size follows from the blob's size alone:
 * nothing in the header has to be known before the first byte is streamed. Segment i is
 * sealed with nonce = nonce base ‖ i (u32) and AAD = i ‖ last flag, so reordering, dropping,
 * duplicating or truncating segments all fail a tag.
 *
 * The plaintext size is never written down, so it cannot disagree with the segments; the data
 * key is unique per blob, so nonces cannot repeat under one key.
 */

export const BLOB_MAGIC = Buffer.from([0x89, 0x47, 0x56, 0x42, 0x4c, 0x4f, 0x42]); // \x89GVBLOB
export const BLOB_VERSION = 1;
export const KEY_BYTES = 32;
export const KEY_ID_BYTES = 8;
export const TAG_BYTES = 16;
export const NONCE_BASE_BYTES = 8;
const WRAP_NONCE_BYTES = 12;
const CHECKSUM_BYTES = 16;
const PREFIX_BYTES = BLOB_MAGIC.length + 1;
export const SLOT_BYTES = 4 + KEY_ID_BYTES + WRAP_NONCE_BYTES + KEY_BYTES + TAG_BYTES + NONCE_BASE_BYTES + 4 + CHECKSUM_BYTES;
/** Bytes before segment 0. */
export const HEADER_BYTES = PREFIX_BYTES + 2 * SLOT_BYTES;

/**
 * Plaintext bytes per segment of new blobs: 256 KiB. In memory (scripts/bench/blobSegments.ts:
 * 256 MiB in 64 KiB network-sized chunks, best of 3, two runs on this 2-core VM):
 *
 *   segment   seal MB/s    open MB/s    one-byte Range   bytes read for it
 *   64 KiB    1183–1493    1878–1907    0.05 ms           64 KiB
 *   256 KiB   1923–1940    2430–2523    0.11 ms          256 KiB
 *   1 MiB     2071–2135    2454–2552    0.38 ms            1 MiB
 *   (SHA-256 of the same bytes, which every write already pays: 1568–1609 MB/s)
 *
 * Each segment costs a cipher set-up, a final and a tag of its own, which larger segments pay
 * less often. A 1 GiB upload to three nodes with encryption on took the coordinator 8 % less
 * CPU with 256 KiB than with 64 KiB (5.6–6.0 s against 6.1–6.5 s, two runs each, back to
 * back); in `bench:upload -- --encryption both` the ratios to plaintext moved within their
 * noise (upload 0.78 → 0.79, download 0.81 → 0.84). 1 MiB gains little more, while a small
 * Range (a seek in a video, a thumbnail's first bytes) reads and opens four times as much as
 * with 256 KiB. The tags cost 16/262144 = 0.006 %. Readers take the size from each blob's
 * header, so it changed without a new format version: blobs written with 64 KiB segments read
 * as before.
 */
export const DEFAULT_SEGMENT_BYTES = 256 * 1024;
export const MIN_SEGMENT_BYTES = 4 * 1024;
export const MAX_SEGMENT_BYTES = 4 * 1024 * 1024;

/** What a valid header slot says. */
export interface HeaderSlot {
  readonly sequence: number;
  readonly keyId: Buffer;
  readonly wrapNonce: Buffer;
  readonly wrappedKey: Buffer;
  readonly wrapTag: Buffer;
  readonly nonceBase: Buffer;
  readonly segmentSize: number;
}

export interface BlobHeader {
  /** The slot readers use: the valid one with the highest sequence. */
  readonly active: HeaderSlot;
  /** 0 for slot A, 1 for slot B. */
  readonly activeIndex: 0 | 1;
  /** Whether the other slot holds a valid slot too (it does after a rotation). */
  readonly otherValid: boolean;
}

/** Something that can unwrap data keys: the master keyring (masterKeys.ts). */
export interface KeyLookup {
  key(keyId: Buffer): Buffer | undefined;
}

export class BlobFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobFormatError';
  }
}

/** True when `bytes` starts like an encrypted blob (only the first 8 bytes are looked at). */
export function hasBlobMagic(bytes: Buffer): boolean {
  return bytes.length >= PREFIX_BYTES && bytes.subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC);
}

/** Parses the header (HEADER_BYTES of it); throws BlobFormatError when no slot is valid. */
export function parseHeader(bytes: Buffer): BlobHeader {
  if (bytes.length < HEADER_BYTES || !hasBlobMagic(bytes)) throw new BlobFormatError('not an encrypted blob header');
  const version = bytes[BLOB_MAGIC.length]!;
  if (version !== BLOB_VERSION) throw new BlobFormatError(`unknown blob format version ${version}`);
  const slots = [0, 1].map((i) => decodeSlot(bytes.subarray(PREFIX_BYTES + i * SLOT_BYTES, PREFIX_BYTES + (i + 1) * SLOT_BYTES)));
  const [a, b] = slots;
  if (!a && !b) throw new BlobFormatError('neither header slot is valid');
  const activeIndex: 0 | 1 = a && (!b || a.sequence >= b.sequence) ? 0 : 1;
  return { active: (activeIndex === 0 ? a : b)!, activeIndex, otherValid: (activeIndex === 0 ? b : a) !== undefined };
}

function decodeSlot(slot: Buffer): HeaderSlot | undefined {
  const body = slot.subarray(0, SLOT_BYTES - CHECKSUM_BYTES);
  if (!checksum(body).equals(slot.subarray(SLOT_BYTES - CHECKSUM_BYTES))) return undefined;
  let at = 0;
  const take = (n: number) => slot.subarray(at, (at += n));
  const sequence = slot.readUInt32BE(0);
  at = 4;
  const keyId = Buffer.from(take(KEY_ID_BYTES));
  const wrapNonce = Buffer.from(take(WRAP_NONCE_BYTES));
  const wrappedKey = Buffer.from(take(KEY_BYTES));
  const wrapTag = Buffer.from(take(TAG_BYTES));
  const nonceBase = Buffer.from(take(NONCE_BASE_BYTES));
  const segmentSize = slot.readUInt32BE(at);
  if (segmentSize < MIN_SEGMENT_BYTES || segmentSize > MAX_SEGMENT_BYTES) return undefined;
  return { sequence, keyId, wrapNonce, wrappedKey, wrapTag, nonceBase, segmentSize };
}

export function encodeSlot(slot: HeaderSlot): Buffer {
  const out = Buffer.alloc(SLOT_BYTES);
  out.writeUInt32BE(slot.sequence, 0);
  let at = 4;
  for (const part of [slot.keyId, slot.wrapNonce, slot.wrappedKey, slot.wrapTag, slot.nonceBase]) at += part.copy(out, at);
  out.writeUInt32BE(slot.segmentSize, at);
  checksum(out.subarray(0, SLOT_BYTES - CHECKSUM_BYTES)).copy(out, SLOT_BYTES - CHECKSUM_BYTES);
  return out;
}

/** A whole header with `slot` in slot A and slot B empty (invalid), as a new blob has. */
export function encodeHeader(slot: HeaderSlot): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  BLOB_MAGIC.copy(out, 0);
  out[BLOB_MAGIC.length] = BLOB_VERSION;
  encodeSlot(slot).copy(out, PREFIX_BYTES);
  return out;
}

/** Where slot `index` starts in a blob (a rotation overwrites the inactive one in place). */
export function slotOffset(index: 0 | 1): number {
  return PREFIX_BYTES + index * SLOT_BYTES;
}

function checksum(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest().subarray(0, CHECKSUM_BYTES);
}

/** The wrap binds the key to the parameters it is used with: changing any of them fails it. */
function wrapAad(keyId: Buffer, nonceBase: Buffer, segmentSize: number): Buffer {
  const aad = Buffer.alloc(PREFIX_BYTES + KEY_ID_BYTES + NONCE_BASE_BYTES + 4);
  BLOB_MAGIC.copy(aad, 0);
  aad[BLOB_MAGIC.length] = BLOB_VERSION;
  keyId.copy(aad, PREFIX_BYTES);
  nonceBase.copy(aad, PREFIX_BYTES + KEY_ID_BYTES);
  aad.writeUInt32BE(segmentSize, PREFIX_BYTES + KEY_ID_BYTES + NONCE_BASE_BYTES);
  return aad;
}

/** A header slot for `dataKey`, wrapped under the master key `masterKey` (id `keyId`). */
export function wrapDataKey(
  dataKey: Buffer,
  master: { key: Buffer; id: Buffer },
  params: { nonceBase: Buffer; segmentSize: number; sequence: number },
): HeaderSlot {
  const wrapNonce = randomBytes(WRAP_NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', master.key, wrapNonce);
  cipher.setAAD(wrapAad(master.id, params.nonceBase, params.segmentSize));
  const wrappedKey = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return { sequence: params.sequence, keyId: Buffer.from(master.id), wrapNonce, wrappedKey, wrapTag: cipher.getAuthTag(), nonceBase: params.nonceBase, segmentSize: params.segmentSize };
}

export class UnknownKeyError extends Error {
  constructor(readonly keyId: string) {
    super(`the blob's data key is wrapped with master key ${keyId}, which is not configured here`);
    this.name = 'UnknownKeyError';
  }
}

/** The data key of a slot; UnknownKeyError without its master key, BlobFormatError when the wrap fails. */
export function unwrapDataKey(slot: HeaderSlot, keys: KeyLookup): Buffer {
  const master = keys.key(slot.keyId);
  if (!master) throw new UnknownKeyError(slot.keyId.toString('hex'));
  const decipher = createDecipheriv('aes-256-gcm', master, slot.wrapNonce);
  decipher.setAAD(wrapAad(slot.keyId, slot.nonceBase, slot.segmentSize));
  decipher.setAuthTag(slot.wrapTag);
  try {
    return Buffer.concat([decipher.update(slot.wrappedKey), decipher.final()]);
  } catch {
    throw new BlobFormatError('the data key does not unwrap under its master key (damaged header)');
  }
}

export function segmentNonce(nonceBase: Buffer, index: number): Buffer {
  const nonce = Buffer.alloc(NONCE_BASE_BYTES + 4);
  nonceBase.copy(nonce, 0);
  nonce.writeUInt32BE(index, NONCE_BASE_BYTES);
  return nonce;
}

export function segmentAad(index: number, last: boolean): Buffer {
  const aad = Buffer.alloc(5);
  aad.writeUInt32BE(index, 0);
  aad[4] = last ? 1 : 0;
  return aad;
}

/** Opens one sealed segment (ciphertext ‖ tag); BlobFormatError when its tag does not hold. */
export function openSegment(dataKey: Buffer, nonceBase: Buffer, index: number, last: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw new BlobFormatError(`segment ${index} is shorter than its tag`);
  const cut = sealed.length - TAG_BYTES;
  const decipher = createDecipheriv('aes-256-gcm', dataKey, segmentNonce(nonceBase, index));
  decipher.setAAD(segmentAad(index, last));
  decipher.setAuthTag(sealed.subarray(cut));
  const plain = decipher.update(sealed.subarray(0, cut));
  try {
    decipher.final();
  } catch {
    throw new BlobFormatError(`segment ${index} fails its authentication tag`);
  }
  return plain;
}

/**
 * Seals one segment whose plaintext came in `pieces` (the network chunks that brought it): its
 * ciphertext in one buffer, then the tag. Passing each piece's ciphertext on instead saves a
 * copy (sealing in memory with 64 KiB segments: 1,215 MB/s against 843 joined), but sends each
 * segment as several buffers and a tag to the own disk and to two replica sockets. With 256 KiB
 * segments, the coordinator of a 1 GiB encrypted upload spent 3.6 s of its main thread in
 * socket writev that way and 2.6–2.7 s joined, and `bench:upload -- --encryption both` went
 * from 0.79 to 0.88 of plaintext for uploads. Nothing is returned for an empty plaintext (a
 * last segment can be empty), only the tag: the writers downstream never see an empty buffer.
 */
export function sealSegmentPieces(dataKey: Buffer, nonceBase: Buffer, index: number, last: boolean, pieces: readonly Buffer[]): Buffer[] {
  const cipher = createCipheriv('aes-256-gcm', dataKey, segmentNonce(nonceBase, index));
  cipher.setAAD(segmentAad(index, last));
  const joined = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  const sealed = joined.length > 0 ? [cipher.update(joined)] : [];
  const rest = cipher.final();
  if (rest.length > 0) sealed.push(rest);
  sealed.push(cipher.getAuthTag());
  return sealed;
}

/** Seals one whole segment into one buffer (used by tests and by small writers; the encryptor streams). */
export function sealSegment(dataKey: Buffer, nonceBase: Buffer, index: number, last: boolean, plain: Buffer): Buffer {
  return Buffer.concat(sealSegmentPieces(dataKey, nonceBase, index, last, [plain]));
}

// ---- Size and range arithmetic (pure integers) ----

/** The blob's size in bytes for `plainSize` plaintext bytes. */
export function blobSize(plainSize: number, segmentSize: number): number {
  return HEADER_BYTES + plainSize + TAG_BYTES * (Math.floor(plainSize / segmentSize) + 1);
}

/** The plaintext size of a blob of `size` bytes, or undefined when no plaintext size gives it (truncated, padded). */
export function plainSizeOf(size: number, segmentSize: number): number | undefined {
  const body = size - HEADER_BYTES - TAG_BYTES;
  if (!Number.isSafeInteger(size) || body < 0) return undefined;
  const full = Math.floor(body / (segmentSize + TAG_BYTES));
  const rest = body - full * (segmentSize + TAG_BYTES);
  return rest < segmentSize ? full * segmentSize + rest : undefined;
}

/** Index of the last segment of a blob holding `plainSize` bytes. */
export function lastSegmentIndex(plainSize: number, segmentSize: number): number {
  return Math.floor(plainSize / segmentSize);
}

/** Byte offset of segment `index` in the blob. */
export function segmentOffset(index: number, segmentSize: number): number {
  return HEADER_BYTES + index * (segmentSize + TAG_BYTES);
}

/** Plaintext bytes in segment `index` of a blob holding `plainSize` bytes. */
export function segmentPlainBytes(index: number, plainSize: number, segmentSize: number): number {
  const last = lastSegmentIndex(plainSize, segmentSize);
  if (index < last) return segmentSize;
  return index === last ? plainSize - last * segmentSize : 0;
}

/** The segments a plaintext range [start, end] (inclusive) touches, and where they lie in the blob. */
export interface SegmentSpan {
  readonly first: number;
  readonly last: number;
  /** Blob bytes [from, to) holding those segments, tags included. */
  readonly from: number;
  readonly to: number;
  /** Plaintext bytes to drop from the first segment's start. */
  readonly skip: number;
  /** Plaintext bytes the range holds. */
  readonly length: number;
}

/**
 * The span of segments that holds plaintext bytes start..end (inclusive) of a blob holding
 * `plainSize` bytes. An empty blob (or the empty range of one: end = start - 1) is its one
 * empty last segment, so even then a tag is checked.
 */
export function segmentSpan(start: number, end: number, plainSize: number, segmentSize: number): SegmentSpan {
  if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && end >= start - 1 && end < plainSize)) {
    if (!(plainSize === 0 && start === 0 && end === -1)) throw new RangeError(`range ${start}-${end} is outside ${plainSize} bytes`);
  }
  const lastIndex = lastSegmentIndex(plainSize, segmentSize);
  const first = Math.min(Math.floor(start / segmentSize), lastIndex);
  const last = end < start ? first : Math.floor(end / segmentSize);
  const to = segmentOffset(last, segmentSize) + segmentPlainBytes(last, plainSize, segmentSize) + TAG_BYTES;
  return { first, last, from: segmentOffset(first, segmentSize), to, skip: start - first * segmentSize, length: end - start + 1 };
}

/** A fresh data key and nonce base for a new blob. */
export function newBlobKeys(): { dataKey: Buffer; nonceBase: Buffer } {
  return { dataKey: randomBytes(KEY_BYTES), nonceBase: randomBytes(NONCE_BASE_BYTES) };
}
