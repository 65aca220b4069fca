import { PassThrough, pipeline, type Readable } from 'node:stream';

/**
 * A byte stream's chunks, one at a time and as they were written, for `for await`. Iterating
 * the byte stream itself calls read(), which joins every chunk buffered at that moment into a
 * new Buffer: a copy of each byte, and garbage, whenever the consumer is slower than the
 * producer: on the coordinator of a resumable upload's PATCH, a copy of every byte of the
 * body while the fan-out waited for its slowest holder. The source's errors, and its end
 * before its last byte, reach the iterator; leaving the loop early destroys the source, as
 * iterating it would.
 */
export function chunksOf(source: Readable): AsyncIterable<Buffer> {
  const chunks = new PassThrough({ objectMode: true, highWaterMark: 4 });
  pipeline(source, chunks, () => undefined);
  return chunks;
}
