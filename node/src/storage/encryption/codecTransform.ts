import { Transform, type TransformCallback } from 'node:stream';

/**
 * A synchronous byte transformer: takes chunks, hands out bytes through `push`, throws on bad
 * input. Kept apart from streams so that one stage can pick its codec after the first bytes
 * (blobIngest.ts) and so that the codecs are tested without streams.
 */
export interface Codec {
  update(chunk: Buffer, push: (bytes: Buffer) => void): void;
  end(push: (bytes: Buffer) => void): void;
}

/** Runs a Codec as a stream stage; a throw fails the stream with that error. */
export class CodecTransform<C extends Codec> extends Transform {
  constructor(readonly codec: C) {
    super({ readableHighWaterMark: 256 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.codec.update(chunk, (bytes) => this.push(bytes));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.codec.end((bytes) => this.push(bytes));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}
