import { PassThrough, pipeline, type Readable } from 'node:stream';

/**
 * A byte stream's chunks, one at a time and as they were written, for `for await`. Iterating
 * the byte stream itself calls read(), which joins every chunk buffered at that moment into a
 * new Buffer: a copy of each byte, and garbage, whenever the consumer is slower than the
 * producer. On the coordinator of a resumable upload's PATCH that was three copies of every
 * byte (its body, and each holder's branch of the fan-out waiting for the slowest). The
 * source's errors, and its end before its last byte, reach the iterator; leaving the loop
 * early destroys the source, as iterating it would.
 */
export function chunksOf(source: Readable, bufferedChunks = 4): AsyncIterable<Buffer> {
  const chunks = new PassThrough({ objectMode: true, highWaterMark: bufferedChunks });
  pipeline(source, chunks, () => undefined);
  return chunks;
}
