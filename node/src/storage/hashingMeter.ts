import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { IntegrityError, TooLargeError } from './storageErrors';

export interface MeterLimits {
  /** Refuse the stream as soon as it carries more than this many bytes. */
  readonly maxBytes?: number;
  /** The size the sender announced; more than this can already be refused while streaming. */
  readonly expectedSize?: number;
}

/**
 * Passes bytes through unchanged while counting and hashing them (SHA-256). It fails on the
 * chunk that crosses a limit and does not pass that chunk on, so nothing past the limit is
 * ever written; the pipeline then tears the source down.
 */
export class HashingMeter extends Transform {
  private count = 0;
  private readonly hash = createHash('sha256');
  private digestHex: string | undefined;

  constructor(private readonly limits: MeterLimits = {}) {
    super();
  }

  get bytes(): number {
    return this.count;
  }

  /** The hex SHA-256 of everything that passed; only meaningful once the stream has ended. */
  digest(): string {
    this.digestHex ??= this.hash.digest('hex');
    return this.digestHex;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const next = this.count + chunk.length;
    const { maxBytes, expectedSize } = this.limits;
    if (maxBytes !== undefined && next > maxBytes) {
      callback(new TooLargeError(maxBytes));
      return;
    }
    if (expectedSize !== undefined && next > expectedSize) {
      callback(new IntegrityError('size', expectedSize, next));
      return;
    }
    this.count = next;
    this.hash.update(chunk);
    callback(null, chunk);
  }
}
