import type { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fakeClock';
import { FRAME, FrameReader, type FrameKind } from './partialFrames';
import type { PartialRecord } from './resumableRecords';
import { StandbyAppends } from './standbyAppends';

const UPLOAD = '00000000-0000-4000-8000-000000000001';
const BASE = Buffer.from([FRAME.BASE, 0, 0, 0, 2, 0x7b, 0x7d]);

/** A holder as the standby sees it: the frames it was sent, and its answer when we give it. */
interface FakeHolder {
  frames: FrameKind[];
  ended: boolean;
  signal: AbortSignal;
  answer(record?: PartialRecord): void;
  fail(error: Error): void;
}

function standbyAppends(opts: { max?: number } = {}) {
  const clock = new FakeClock(0);
  const holders = new Map<string, FakeHolder>();
  const standby = new StandbyAppends({
    open: (node, _userId, _uploadId, stream: PassThrough, signal) =>
      new Promise<PartialRecord>((resolve, reject) => {
        const holder: FakeHolder = { frames: [], ended: false, signal, answer: (record) => resolve(record ?? ({} as PartialRecord)), fail: reject };
        const reader = new FrameReader({ data: () => undefined, control: (kind) => holder.frames.push(kind) });
        stream.on('data', (chunk: Buffer) => reader.update(chunk));
        stream.on('end', () => (holder.ended = true));
        holders.set(`${node}:${holders.size}`, holder);
      }),
    clock,
    freshMs: 5_000,
    pingMs: 1_000,
    max: opts.max ?? 8,
    logger: pino({ level: 'silent' }),
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { clock, holders, standby, settle };
}

describe('appends a coordinator opens ahead of the next PATCH', () => {
  it('opens one per holder with the base, pings while it waits, and hands them to the PATCH at its offset once', async () => {
    const { clock, holders, standby, settle } = standbyAppends();
    standby.prepare('user', UPLOAD, 8, ['a', 'b', 'c'], BASE);
    clock.advance(2_500);
    await settle();
    expect([...holders.values()].map((h) => h.frames)).toEqual([0, 1, 2].map(() => [FRAME.BASE, FRAME.PING, FRAME.PING]));
    const taken = standby.take(UPLOAD, 8, ['c', 'b', 'a']);
    expect([...taken!.keys()].sort()).toEqual(['a', 'b', 'c']);
    // Handed out once, and it no longer pings: the PATCH does.
    expect(standby.take(UPLOAD, 8, ['a', 'b', 'c'])).toBeUndefined();
    clock.advance(10_000);
    await settle();
    expect([...holders.values()].every((h) => h.frames.length === 3 && !h.ended)).toBe(true);
  });

  it('closes a standby a PATCH cannot use: another offset, other holders, or a holder that already answered', async () => {
    for (const [offset, nodes] of [
      [16, ['a', 'b']],
      [8, ['a', 'c']],
    ] as const) {
      const { holders, standby, settle } = standbyAppends();
      standby.prepare('user', UPLOAD, 8, ['a', 'b'], BASE);
      expect(standby.take(UPLOAD, offset, nodes)).toBeUndefined();
      await settle();
      // Ended after the base: each holder answers its record as it is, nothing changed.
      expect([...holders.values()].map((h) => [h.frames, h.ended])).toEqual([
        [[FRAME.BASE], true],
        [[FRAME.BASE], true],
      ]);
    }
    const { holders, standby, settle } = standbyAppends();
    standby.prepare('user', UPLOAD, 8, ['a', 'b'], BASE);
    // A holder gave the standby up to another coordinator (holderLeases.ts).
    [...holders.values()][1]!.fail(new Error('upload_busy'));
    await settle();
    expect(standby.take(UPLOAD, 8, ['a', 'b'])).toBeUndefined();
    await settle();
    expect([...holders.values()][0]!.ended).toBe(true);
  });

  it('closes an unused standby once its state is stale, when the upload goes, and beyond the most kept open', async () => {
    const { clock, holders, standby, settle } = standbyAppends({ max: 2 });
    standby.prepare('user', UPLOAD, 8, ['a'], BASE);
    clock.advance(5_000);
    await settle();
    expect(holders.get('a:0')!.ended).toBe(true);
    expect(standby.size).toBe(0);

    const ids = ['1', '2', '3'].map((n) => `00000000-0000-4000-8000-00000000000${n}`);
    for (const id of ids) standby.prepare('user', id, 8, ['a'], BASE);
    await settle();
    expect([1, 2, 3].map((i) => holders.get(`a:${i}`)!.ended)).toEqual([true, false, false]);
    standby.cancel(ids[2]!);
    await settle();
    expect(holders.get('a:3')!.ended).toBe(true);
    expect(standby.take(ids[1]!, 8, ['a'])).toBeDefined();
  });

  it('replaces the standby of an upload prepared again', async () => {
    const { holders, standby, settle } = standbyAppends();
    standby.prepare('user', UPLOAD, 8, ['a'], BASE);
    standby.prepare('user', UPLOAD, 16, ['a'], BASE);
    await settle();
    expect(holders.get('a:0')!.ended).toBe(true);
    expect(standby.take(UPLOAD, 16, ['a'])?.get('a')).toBeDefined();
  });
});
