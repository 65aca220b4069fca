import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dataHead, frame, FRAME, FrameError, FrameReader, jsonFrame, type FrameKind } from './partialFrames';

describe('FrameReader', () => {
  it('gives back data and control frames whatever the chunk boundaries', () => {
    const payload = randomBytes(70_000);
    const stream = Buffer.concat([
      jsonFrame(FRAME.BASE, { from: 10, tail: 'AAAA' }),
      dataHead(payload.length),
      payload,
      frame(FRAME.PING),
      jsonFrame(FRAME.COMMIT, { offset: 70_010, sealed: false, tail: '' }),
    ]);
    for (const step of [1, 5, 6, 1000, stream.length]) {
      const data: Buffer[] = [];
      const controls: Array<[FrameKind, string]> = [];
      const reader = new FrameReader({ data: (b) => data.push(Buffer.from(b)), control: (k, p) => controls.push([k, p.toString()]) });
      for (let at = 0; at < stream.length; at += step) reader.update(stream.subarray(at, at + step));
      expect(Buffer.concat(data).equals(payload)).toBe(true);
      expect(controls.map(([kind]) => kind)).toEqual([FRAME.BASE, FRAME.PING, FRAME.COMMIT]);
      expect(JSON.parse(controls[2]![1])).toEqual({ offset: 70_010, sealed: false, tail: '' });
      expect(reader.atBoundary).toBe(true);
    }
  });

  it('refuses an unknown kind and an oversized frame, and knows a stream cut mid-frame', () => {
    const reader = new FrameReader({ data: () => undefined, control: () => undefined });
    expect(() => reader.update(Buffer.from([9, 0, 0, 0, 0]))).toThrow(FrameError);
    const big = Buffer.alloc(5);
    big[0] = FRAME.DATA;
    big.writeUInt32BE(64 * 1024 * 1024, 1);
    expect(() => new FrameReader({ data: () => undefined, control: () => undefined }).update(big)).toThrow(FrameError);
    const cut = new FrameReader({ data: () => undefined, control: () => undefined });
    cut.update(Buffer.concat([dataHead(10), Buffer.alloc(4)]));
    expect(cut.atBoundary).toBe(false);
  });
});
