import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseHeader } from '../storage/encryption/blobFormat';
import { dataHead, FRAME, jsonFrame } from './partialFrames';
import { partialBytes } from './partialSealer';
import { loadState, type ResumableDeps } from './resumableDeps';
import type { UploadState } from './uploadState';

/**
 * The frames a holder gets for one write: the base, then (for a holder behind the others) the
 * ciphertext it lacks, copied as it is from the furthest holder, then whatever follows. A
 * holder that is not behind reads `rest` itself, the base written in front of its bytes: one
 * stream stage fewer per chunk. Piped, not yielded by an async generator, which cost the
 * coordinator of a PATCH a few promises per chunk for each holder.
 */
export function holderFrames(base: Buffer, catchUp: (() => Promise<Readable>) | undefined, rest: PassThrough): Readable {
  if (!catchUp) {
    rest.write(base);
    return rest;
  }
  const frames = new PassThrough({ highWaterMark: 256 * 1024 });
  // Its consumer (an append here or to a peer) pipes it only after an await or two (a lease, a
  // link delay) or not at all when it fails first: a catch-up failing before then, as when the
  // PATCH is aborted, emitted an unhandled 'error' and killed the node. The consumer still
  // sees the failure: piping a stream destroyed with an error rejects with it.
  frames.on('error', () => undefined);
  frames.write(base);
  void (async () => {
    await pipeline(await catchUp(), dataFrames(), frames, { end: false });
    await pipeline(rest, frames);
  })().catch((error: unknown) => {
    frames.destroy(error as Error);
    rest.destroy();
  });
  return frames;
}

/** Each chunk as a DATA frame. */
function dataFrames(): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      this.push(dataHead(chunk.length));
      callback(null, chunk);
    },
  });
}

/**
 * Brings the reachable holders that are behind, by at most `maxBehind` bytes, up to the
 * furthest one with no new bytes (its segments and its sealed tail, copied as they are):
 * before a completion. Returns the upload as it stands after.
 */
export async function catchUpHolders(deps: ResumableDeps, state: UploadState, maxBehind = Infinity): Promise<UploadState> {
  const { userId, uploadId, record } = state;
  const source = state.base!;
  const sourceRecord = state.records.get(source)!;
  const segmentSize = parseHeader(record.header).active.segmentSize;
  const sealed = state.phase === 'whole';
  const behind = [...state.records].filter(([node, r]) => node !== source && r.state === 'open' && r.offset < state.offset && state.offset - r.offset <= maxBehind);
  const commit = jsonFrame(FRAME.COMMIT, { offset: state.offset, sealed, tail: sourceRecord.tail.toString('base64') });
  await Promise.all(
    behind.map(async ([node, lagging]) => {
      const from = partialBytes(lagging.offset, record.length, segmentSize, false);
      const to = partialBytes(state.offset, record.length, segmentSize, sealed);
      const frames = holderFrames(jsonFrame(FRAME.BASE, { from: lagging.offset, tail: '' }), () => deps.holders.bytes(source, userId, uploadId, from, to), new PassThrough().end(commit));
      await deps.holders.append(node, userId, uploadId, frames, AbortSignal.timeout(10 * 60_000)).catch((error: unknown) => {
        deps.ctx.logger.warn({ node, uploadId, err: error }, 'could not catch a holder up');
      });
    }),
  );
  return (await loadState(deps, userId, uploadId)) ?? state;
}
