import { crc32 } from '@node-rs/crc32';
import { IntegrityError } from '../storageErrors';
import { HEADER_BYTES, plainSizeOf } from './blobFormat';
import { openHeader } from './blobDecoder';
import type { Codec } from './codecTransform';
import type { KeyLookup } from './blobFormat';

/**
 * What an upload's coordinator says of the blob it sealed and streamed to a replica, once the
 * last byte is sent (HTTP trailers, see replicaWire.ts): the plaintext's SHA-256, which the
 * index keeps, and a CRC-32 of the blob's bytes as sent.
 */
export interface SealedFingerprint {
  readonly sha256: string;
  /** 8 lower-case hex digits. */
  readonly crc32: string;
}

export const crc32Hex = (value: number): string => (value >>> 0).toString(16).padStart(8, '0');

/**
 * A replica's check of a blob its upload's coordinator sealed a moment ago, without opening a
 * segment. Checking every tag and hashing the plaintext again on each replica cost two crypto
 * passes per byte per node, and made an encrypted upload ~25 % slower than a plaintext one on
 * this 2-core machine (bench:upload -- --encryption both). Here the header must unwrap with a
 * master key this node holds (so the replica can be read later), the length must be one a blob of
 * this segment size can have, and a CRC-32 of every byte (13 GB/s, ~2.5× zlib's) must equal the
 * coordinator's: the copy is byte for byte what was sealed, and the tags then hold exactly as
 * well as on the coordinator's own copy, which it wrote unchecked for the same reason. Bit rot
 * after the write is the scrubber's to find, by tag.
 */
export class SealedCopyCheck implements Codec {
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerBytes = 0;
  private segmentSize: number | undefined;
  private crc = 0;
  private total = 0;
  private plain: number | undefined;

  constructor(private readonly keys: KeyLookup) {}

  /** The plaintext's size, once the stream has ended. */
  get bytes(): number {
    return this.plain ?? 0;
  }

  update(chunk: Buffer, push: (bytes: Buffer) => void): void {
    if (this.segmentSize === undefined) {
      const take = Math.min(HEADER_BYTES - this.headerBytes, chunk.length);
      chunk.copy(this.header, this.headerBytes, 0, take);
      this.headerBytes += take;
      if (this.headerBytes === HEADER_BYTES) this.segmentSize = openHeader(this.header, this.keys).segmentSize;
    }
    this.crc = crc32(chunk, this.crc);
    this.total += chunk.length;
    push(chunk);
  }

  end(): void {
    if (this.segmentSize === undefined) throw new IntegrityError('segment', 'an encrypted blob header', `${this.total} bytes`);
    this.plain = plainSizeOf(this.total, this.segmentSize);
    if (this.plain === undefined) throw new IntegrityError('size', 'the length of a whole blob', this.total);
  }

  /** Whether the bytes are the ones the coordinator sent; throws if not. */
  confirm(fingerprint: SealedFingerprint | undefined): void {
    if (!fingerprint) throw new IntegrityError('segment', 'the sender\'s fingerprint of the blob', 'none');
    const actual = crc32Hex(this.crc);
    if (actual !== fingerprint.crc32) throw new IntegrityError('segment', `CRC-32 ${fingerprint.crc32}`, actual);
  }
}
