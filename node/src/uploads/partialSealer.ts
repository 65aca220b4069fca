import type { Hash } from 'node:crypto';
import { HEADER_BYTES, blobSize, sealSegmentPieces, TAG_BYTES } from '../storage/encryption/blobFormat';

/** What a coordinator needs to go on sealing an upload from where its holders are. */
export interface SealerStart {
  readonly dataKey: Buffer;
  readonly nonceBase: Buffer;
  readonly segmentSize: number;
  /** The declared length: the last segment's index follows from it. */
  readonly length: number;
  /** Plaintext bytes already in (sealed segments and the tail). */
  readonly offset: number;
  /** The plaintext after the last whole segment: offset mod segmentSize bytes. */
  readonly tail: Buffer;
  /** Fed every plaintext byte, when the caller keeps the file's running hash. */
  readonly hash?: Hash;
}

/** A sealed segment: its ciphertext, then its tag (sealSegmentPieces). */
export type SealedSegment = readonly Buffer[];

/** Where a PATCH leaves an upload: the new offset, the tail to keep, and whether the blob is whole. */
export interface SealerEnd {
  readonly offset: number;
  readonly tail: Buffer;
  /** The last segment (flagged last) is sealed: the partial is a complete blob. */
  readonly sealed: boolean;
}

/**
 * Pure: turns one PATCH's plaintext into the segments it completes (blobFormat.ts), sealed as
 * the finished blob will hold them, so that the partial becomes the blob with no second pass.
 * Every whole segment is sealed as soon as its last byte is in (a whole segment is never the
 * last one: that one is shorter). The last segment, index floor(length/segmentSize), possibly
 * empty, is sealed flagged last only when the final byte is in. What is left over (less than a
 * segment) is the tail, kept encrypted on the side (tailCipher.ts) for the next PATCH.
 *
 * Nonces: segment i is always sealed under nonce base ‖ i. A segment sealed by a PATCH that did
 * not reach its write quorum is sealed again by the next one under the same nonce; that is
 * safe only because it is the same plaintext (the bytes resent for the same offset, as a tus
 * client does). A client that resends *different* bytes for an offset makes the same nonce seal
 * two plaintexts, which GCM does not allow for; the data key is the upload's own, so what leaks
 * is bounded to that file, and the tail, sealed with random nonces, is never affected.
 */
export class PartialSealer {
  private readonly opts: SealerStart;
  private pending: Buffer[];
  private pendingBytes: number;
  private at: number;
  private ended: SealerEnd | undefined;

  constructor(start: SealerStart) {
    const { offset, length, segmentSize, tail } = start;
    if (!(Number.isSafeInteger(offset) && offset >= 0 && offset <= length)) throw new RangeError(`offset ${offset} is outside 0..${length}`);
    if (tail.length !== offset % segmentSize) throw new RangeError(`a tail of ${tail.length} bytes does not fit offset ${offset}`);
    this.opts = start;
    this.pending = tail.length > 0 ? [tail] : [];
    this.pendingBytes = tail.length;
    this.at = offset;
  }

  /** Plaintext bytes in so far (the offset this PATCH would leave). */
  get offset(): number {
    return this.at;
  }

  /** Bytes this PATCH may still bring. */
  get remaining(): number {
    return this.opts.length - this.at;
  }

  /** Takes plaintext; hands out each segment it completes, sealed. Refuses a byte past the length. */
  update(chunk: Buffer, push: (sealed: SealedSegment) => void): void {
    if (this.ended) throw new Error('the sealer has ended');
    if (chunk.length > this.remaining) throw new RangeError(`${chunk.length} bytes past offset ${this.at} exceed the length ${this.opts.length}`);
    this.opts.hash?.update(chunk);
    const size = this.opts.segmentSize;
    let from = 0;
    while (from < chunk.length) {
      const take = Math.min(chunk.length - from, size - this.pendingBytes);
      this.pending.push(from === 0 && take === chunk.length ? chunk : chunk.subarray(from, from + take));
      this.pendingBytes += take;
      from += take;
      this.at += take;
      if (this.pendingBytes === size) push(this.seal(false));
    }
  }

  /**
   * Ends the PATCH: when the final byte is in, seals the last segment (flagged last) and the
   * tail is empty; otherwise the tail is what waits for the next PATCH.
   */
  end(push: (sealed: SealedSegment) => void): SealerEnd {
    if (this.ended) return this.ended;
    if (this.at === this.opts.length) {
      push(this.seal(true));
      this.ended = { offset: this.at, tail: Buffer.alloc(0), sealed: true };
    } else {
      this.ended = { offset: this.at, tail: Buffer.concat(this.pending, this.pendingBytes), sealed: false };
    }
    return this.ended;
  }

  private seal(last: boolean): SealedSegment {
    const { dataKey, nonceBase, segmentSize } = this.opts;
    const index = Math.floor((this.at - this.pendingBytes) / segmentSize);
    const out = sealSegmentPieces(dataKey, nonceBase, index, last, this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return out;
  }
}

/**
 * Bytes of a partial whose holder has `offset` plaintext bytes in: the header and every whole
 * segment (the tail lives on the side), or the whole blob once its last segment is sealed.
 */
export function partialBytes(offset: number, length: number, segmentSize: number, sealed: boolean): number {
  if (sealed) return blobSize(length, segmentSize);
  return HEADER_BYTES + Math.floor(offset / segmentSize) * (segmentSize + TAG_BYTES);
}
