import { Transform } from 'node:stream';

/**
 * Passes exactly `length` bytes on. A raw stream that ends early (its node died mid-file)
 * ends cleanly, unlike an HTTP body, so without this a download would look complete; the
 * error makes the caller cut its own response short instead.
 */
export function exactLength(length: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      callback(seen > length ? new Error(`more than the ${length} bytes announced`) : null, chunk);
    },
    flush(callback) {
      callback(seen === length ? null : new Error(`the stream ended after ${seen} of ${length} bytes`));
    },
  });
}
