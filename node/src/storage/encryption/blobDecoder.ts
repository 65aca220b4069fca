import { createHash, type Hash } from 'node:crypto';
import { CodecTransform, type Codec } from './codecTransform';
import { IntegrityError, MasterKeyUnknownError, TooLargeError } from '../storageErrors';
import { BlobFormatError, HEADER_BYTES, lastSegmentIndex, openSegment, parseHeader, TAG_BYTES, UnknownKeyError, unwrapDataKey, type KeyLookup } from './blobFormat';

/** A blob's keys, once its header is read and its data key unwrapped. */
export interface OpenedKeys {
  readonly dataKey: Buffer;
  readonly nonceBase: Buffer;
  readonly segmentSize: number;
}

/** The data key and parameters of a header; throws StorageErrors (damaged header, unknown key). */
export function openHeader(header: Buffer, keys: KeyLookup): OpenedKeys {
  try {
    const { active } = parseHeader(header);
    return { dataKey: unwrapDataKey(active, keys), nonceBase: active.nonceBase, segmentSize: active.segmentSize };
  } catch (error) {
    throw asBlobError(error);
  }
}

/** Format errors are integrity errors of the blob; a missing master key is its own error. */
export function asBlobError(error: unknown): unknown {
  if (error instanceof BlobFormatError) return new IntegrityError('segment', 'authentic encrypted blob', error.message);
  if (error instanceof UnknownKeyError) return new MasterKeyUnknownError(error.keyId);
  return error;
}

export interface DecoderOptions {
  readonly keys: KeyLookup;
  /** `plaintext`: emit the opened bytes. `verify`: pass the blob's bytes on unchanged (a replica being stored). */
  readonly output: 'plaintext' | 'verify';
  /** Already opened (a local read starts past the header); else the stream starts with the header. */
  readonly opened?: OpenedKeys;
  /**
   * A span of segments (a Range read): `first`..`last` come, and `blobLast` is the blob's last
   * segment (its AAD says so). Without it the stream is every segment of the blob, and the end
   * of the stream tells which one is last.
   */
  readonly span?: { readonly first: number; readonly last: number; readonly blobLast?: number };
  /** The file's plaintext size: gives `span.blobLast` once the header tells the segment size. */
  readonly plainSize?: number;
  /** Plaintext bytes to drop from the first segment, and how many to emit after them. */
  readonly skip?: number;
  /** Instead of `skip`: the range's first plaintext byte (the skip follows from the segment size). */
  readonly rangeStart?: number;
  readonly length?: number;
  /** Limits on the plaintext, as HashingMeter has them. */
  readonly maxBytes?: number;
  readonly expectedSize?: number;
  readonly hash?: boolean;
}

/**
 * Reads an encrypted blob (or a span of its segments) and checks every segment's tag. Plaintext
 * leaves only once its segment's tag held: a reader never sees unauthenticated bytes. In
 * `verify` mode the blob's own bytes pass through at once (the write renames only after the
 * whole stream checked out) while the plaintext is counted and hashed, so that a replica is
 * stored as it came and its hash is still the plaintext's. At most one segment is held.
 */
export class BlobOpener implements Codec {
  private readonly keys: KeyLookup;
  private opened: OpenedKeys | undefined;
  private header: Buffer | undefined;
  private headerBytes = 0;
  private segment: Buffer | undefined;
  private filled = 0;
  private index: number;
  private blobLast: number | undefined;
  private readonly hash: Hash | undefined;
  private plainSeen = 0;
  private toSkip: number;
  private toEmit: number;
  private digestHex: string | undefined;

  private push: (bytes: Buffer) => void = () => undefined;

  constructor(private readonly opts: DecoderOptions) {
    this.keys = opts.keys;
    this.opened = opts.opened;
    this.index = opts.span?.first ?? 0;
    this.toSkip = opts.skip ?? 0;
    this.blobLast = opts.span?.blobLast;
    if (this.opened) this.derive(this.opened.segmentSize);
    this.toEmit = opts.length ?? Number.POSITIVE_INFINITY;
    this.hash = opts.hash ? createHash('sha256') : undefined;
    if (!this.opened) this.header = Buffer.alloc(HEADER_BYTES);
  }

  /** Plaintext bytes opened so far (all of them in `verify` mode, once ended). */
  get bytes(): number {
    return this.plainSeen;
  }

  digest(): string | undefined {
    if (!this.hash) return undefined;
    this.digestHex ??= this.hash.digest('hex');
    return this.digestHex;
  }

  update(chunk: Buffer, push: (bytes: Buffer) => void): void {
    this.push = push;
    try {
      if (this.opts.output === 'verify') this.push(chunk);
      let at = 0;
      if (!this.opened) at = this.takeHeader(chunk);
      while (at < chunk.length) {
        const opened = this.opened!;
        const full = opened.segmentSize + TAG_BYTES;
        if (this.filled === 0 && chunk.length - at >= full) {
          // A whole segment inside the chunk (a full one is never the blob's last): opened where
          // it lies, not copied first. Reads of whole segments (blobStore.ts) take this path.
          this.openCurrent(this.index === this.blobLast, chunk.subarray(at, at + full));
          at += full;
          continue;
        }
        this.segment ??= Buffer.allocUnsafe(full);
        const take = Math.min(chunk.length - at, full - this.filled);
        chunk.copy(this.segment, this.filled, at, at + take);
        this.filled += take;
        at += take;
        // A whole segment's worth is never the blob's last segment (that one is shorter).
        if (this.filled === full) this.openCurrent(this.index === this.blobLast);
      }
    } catch (error) {
      throw asBlobError(error);
    }
  }

  end(push: (bytes: Buffer) => void): void {
    this.push = push;
    try {
      if (!this.opened) throw new BlobFormatError('the blob ends inside its header');
      const { span } = this.opts;
      if (span) {
        // A span ends on a segment boundary; the blob's last segment is short and still buffered.
        if (this.filled > 0) this.openCurrent(this.index === this.blobLast);
        if (this.index !== span.last + 1) throw new BlobFormatError(`expected segments ${span.first}-${span.last}, got up to ${this.index - 1}`);
      } else {
        // Every blob ends with a (possibly empty) last segment: nothing left means it was cut.
        if (this.filled === 0) throw new BlobFormatError('the blob ends without its last segment');
        this.openCurrent(true);
      }
    } catch (error) {
      throw asBlobError(error);
    }
  }

  private takeHeader(chunk: Buffer): number {
    const take = Math.min(chunk.length, HEADER_BYTES - this.headerBytes);
    chunk.copy(this.header!, this.headerBytes, 0, take);
    this.headerBytes += take;
    if (this.headerBytes === HEADER_BYTES) {
      const { active } = parseHeader(this.header!);
      this.opened = { dataKey: unwrapDataKey(active, this.keys), nonceBase: active.nonceBase, segmentSize: active.segmentSize };
      this.derive(active.segmentSize);
    }
    return take;
  }

  /** What follows from the segment size: the blob's last segment, and the skip of a range. */
  private derive(segmentSize: number): void {
    const { plainSize, rangeStart, span } = this.opts;
    if (plainSize !== undefined) this.blobLast ??= lastSegmentIndex(plainSize, segmentSize);
    if (rangeStart !== undefined) this.toSkip = rangeStart - (span?.first ?? 0) * segmentSize;
    if (this.toSkip < 0 || this.toSkip >= segmentSize + (plainSize === 0 ? 1 : 0)) {
      throw new BlobFormatError(`the range does not start in segment ${span?.first ?? 0}`);
    }
  }

  private openCurrent(last: boolean, sealed = this.segment!.subarray(0, this.filled)): void {
    const { dataKey, nonceBase } = this.opened!;
    const plain = openSegment(dataKey, nonceBase, this.index, last, sealed);
    this.index++;
    this.filled = 0;
    const next = this.plainSeen + plain.length;
    const { maxBytes, expectedSize } = this.opts;
    if (maxBytes !== undefined && next > maxBytes) throw new TooLargeError(maxBytes);
    if (expectedSize !== undefined && next > expectedSize) throw new IntegrityError('size', expectedSize, next);
    this.plainSeen = next;
    this.hash?.update(plain);
    if (this.opts.output !== 'plaintext') return;
    let out = plain;
    if (this.toSkip > 0) {
      const skipped = Math.min(this.toSkip, out.length);
      out = out.subarray(skipped);
      this.toSkip -= skipped;
    }
    if (out.length > this.toEmit) out = out.subarray(0, this.toEmit);
    this.toEmit -= out.length;
    // Fresh memory (the decipher's output), not the segment buffer the next segment reuses.
    if (out.length > 0) this.push(out);
  }
}

/** BlobOpener as a stream stage. */
export class BlobDecoder extends CodecTransform<BlobOpener> {
  constructor(opts: DecoderOptions) {
    super(new BlobOpener(opts));
  }

  get bytes(): number {
    return this.codec.bytes;
  }

  digest(): string | undefined {
    return this.codec.digest();
  }
}
