import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { holderFrames } from './holderCatchUp';
import { dataHead, FRAME, FrameReader, jsonFrame, type FrameKind } from './partialFrames';

async function readFrames(stream: Readable): Promise<Array<{ kind: FrameKind; bytes: Buffer }>> {
  const frames: Array<{ kind: FrameKind; bytes: Buffer }> = [];
  const data: Buffer[] = [];
  const flush = () => {
    if (data.length > 0) frames.push({ kind: FRAME.DATA, bytes: Buffer.concat(data.splice(0)) });
  };
  const reader = new FrameReader({
    data: (bytes) => data.push(bytes),
    control: (kind, payload) => {
      flush();
      frames.push({ kind, bytes: payload });
    },
  });
  for await (const chunk of stream) reader.update(chunk as Buffer);
  flush();
  return frames;
}

const frameOf = (bytes: Buffer) => Buffer.concat([dataHead(bytes.length), bytes]);

describe('holderFrames', () => {
  it('sends the base, then the missing ciphertext as DATA frames, then the rest as it comes', async () => {
    const base = jsonFrame(FRAME.BASE, { from: 0, tail: '' });
    const missing = [Buffer.alloc(3000, 1), Buffer.alloc(5000, 2)];
    const rest = new PassThrough();
    const stream = holderFrames(base, async () => Readable.from(missing), rest);
    rest.write(frameOf(Buffer.alloc(100, 3)));
    rest.end(jsonFrame(FRAME.COMMIT, { offset: 8100, sealed: false, tail: '' }));
    const frames = await readFrames(stream);
    expect(frames.map((f) => f.kind)).toEqual([FRAME.BASE, FRAME.DATA, FRAME.COMMIT]);
    expect(frames[1]!.bytes).toEqual(Buffer.concat([...missing, Buffer.alloc(100, 3)]));
  });

  it('fails the stream when the rest fails, and the rest when the catch-up cannot start', async () => {
    const rest = new PassThrough();
    const stream = holderFrames(jsonFrame(FRAME.BASE, { from: 0, tail: '' }), undefined, rest);
    const reading = readFrames(stream);
    rest.destroy(new Error('holder dropped'));
    await expect(reading).rejects.toThrow('holder dropped');

    const waiting = new PassThrough();
    const failed = holderFrames(jsonFrame(FRAME.BASE, { from: 0, tail: '' }), () => Promise.reject(new Error('no source')), waiting);
    await expect(readFrames(failed)).rejects.toThrow('no source');
    expect(waiting.destroyed).toBe(true);
  });

  it('does not take the process down when the catch-up fails before anyone reads the stream, and a later reader still gets the error', async () => {
    const failed = holderFrames(jsonFrame(FRAME.BASE, { from: 0, tail: '' }), () => Promise.reject(new Error('PATCH aborted')), new PassThrough());
    // As an append does: a lease or a link delay awaited before it pipes the stream.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(failed.destroyed).toBe(true);
    await expect(pipeline(failed, new PassThrough().resume())).rejects.toThrow('PATCH aborted');
  });
});
