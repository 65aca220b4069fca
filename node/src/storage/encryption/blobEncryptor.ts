import { createHash, type Hash } from 'node:crypto';
import { crc32 } from '@node-rs/crc32';
import { CodecTransform, type Codec } from './codecTransform';
import { DEFAULT_SEGMENT_BYTES, encodeHeader, newBlobKeys, sealSegmentPieces, wrapDataKey } from './blobFormat';
import type { MasterKey } from './masterKeys';
import { crc32Hex } from './sealedCopy';

export interface SealerOptions {
  readonly segmentSize?: number;
  /** Hash the plaintext (SHA-256), for a coordinator that keeps no plaintext copy to hash later. */
  readonly hash?: boolean;
  /** Keep a CRC-32 of the blob's bytes, which replicas check their copy against (sealedCopy.ts). */
  readonly crc32?: boolean;
}

/**
 * Plaintext in, an encrypted blob out (blobFormat.ts): the header first, then each segment
 * once its plaintext is in. A segment waits for its last byte (at most one segment, held as
 * the chunks that brought it): only then is it known whether it is the file's last, which its
 * AAD must say before the cipher takes any byte. Memory stays flat whatever the size. A
 * segment goes out as its ciphertext, then its tag (sealSegmentPieces).
 */
export class BlobSealer implements Codec {
  private readonly dataKey: Buffer;
  private readonly nonceBase: Buffer;
  private readonly segmentSize: number;
  private readonly hash: Hash | undefined;
  private readonly header: Buffer;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;
  private headerSent = false;
  private count = 0;
  private digestHex: string | undefined;
  private readonly keepsCrc: boolean;
  private crc = 0;

  constructor(master: MasterKey, opts: SealerOptions = {}) {
    const { dataKey, nonceBase } = newBlobKeys();
    this.dataKey = dataKey;
    this.nonceBase = nonceBase;
    this.segmentSize = opts.segmentSize ?? DEFAULT_SEGMENT_BYTES;
    this.hash = opts.hash ? createHash('sha256') : undefined;
    this.keepsCrc = opts.crc32 ?? false;
    this.header = encodeHeader(wrapDataKey(dataKey, master, { nonceBase, segmentSize: this.segmentSize, sequence: 1 }));
  }

  /** Plaintext bytes seen so far. */
  get bytes(): number {
    return this.count;
  }

  /** Hex SHA-256 of the plaintext (only when asked for, and once the stream has ended). */
  digest(): string | undefined {
    if (!this.hash) return undefined;
    this.digestHex ??= this.hash.digest('hex');
    return this.digestHex;
  }

  /** CRC-32 of the blob's bytes (8 hex digits), once the stream has ended; only when asked for. */
  crc32(): string | undefined {
    return this.keepsCrc ? crc32Hex(this.crc) : undefined;
  }

  update(chunk: Buffer, push: (bytes: Buffer) => void): void {
    this.push = push;
    this.sendHeader();
    this.count += chunk.length;
    this.hash?.update(chunk);
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(chunk.length - at, this.segmentSize - this.pendingBytes);
      this.pending.push(at === 0 && take === chunk.length ? chunk : chunk.subarray(at, at + take));
      this.pendingBytes += take;
      at += take;
      // A full segment is never the last one (the last holds fewer than segmentSize bytes).
      if (this.pendingBytes === this.segmentSize) this.seal(false);
    }
  }

  end(push: (bytes: Buffer) => void): void {
    this.push = push;
    this.sendHeader();
    // The last segment: what is left (possibly nothing), flagged last.
    this.seal(true);
  }

  private push: (bytes: Buffer) => void = () => undefined;

  private sendHeader(): void {
    if (this.headerSent) return;
    this.headerSent = true;
    this.emit(this.header);
  }

  private emit(bytes: Buffer): void {
    if (this.keepsCrc) this.crc = crc32(bytes, this.crc);
    this.push(bytes);
  }

  private seal(last: boolean): void {
    for (const piece of sealSegmentPieces(this.dataKey, this.nonceBase, this.index, last, this.pending)) this.emit(piece);
    this.pending = [];
    this.pendingBytes = 0;
    this.index++;
  }
}

/** BlobSealer as a stream stage. */
export class BlobEncryptor extends CodecTransform<BlobSealer> {
  constructor(master: MasterKey, opts: SealerOptions = {}) {
    super(new BlobSealer(master, opts));
  }

  get bytes(): number {
    return this.codec.bytes;
  }

  digest(): string | undefined {
    return this.codec.digest();
  }

  crc32(): string | undefined {
    return this.codec.crc32();
  }
}
