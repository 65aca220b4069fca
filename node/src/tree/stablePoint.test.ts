import { describe, expect, it } from 'vitest';
import type { Digest, Hlc } from '../gossip/frames';
import { stablePoint } from './stablePoint';

const MEMBERS = ['asia', 'eu-west', 'us-east'];
/** Each origin stamps its seq n at wall 100·n + a per-origin offset. */
const OFFSET: Record<string, number> = { asia: 3, 'eu-west': 2, 'us-east': 1 };
const stampAt = (origin: string, seq: number): Hlc => ({ wall: 100 * seq + OFFSET[origin]!, counter: 0, node: origin });
const all = (digest: Digest) => new Map(MEMBERS.map((m) => [m, digest]));

describe('the stable point of the tree', () => {
  it('stops at the stamp every member holds of an origin some member lags behind', () => {
    const digests = new Map<string, Digest>([
      ['asia', { asia: 9, 'eu-west': 5, 'us-east': 7 }],
      ['eu-west', { asia: 4, 'eu-west': 6, 'us-east': 7 }],
      ['us-east', { asia: 8, 'eu-west': 5, 'us-east': 9 }],
    ]);
    // Every member holds asia up to 4 (wall 403) though asia wrote 9: nothing past 403 is safe.
    expect(stablePoint(MEMBERS, digests, stampAt)).toEqual({ wall: 403, counter: 0, node: 'asia' });
  });

  it('passes a quiet origin that everyone has caught up with, up to the newest stamp all hold', () => {
    // eu-west wrote 2 facts long ago (wall 202); us-east keeps writing, all hold 9 of it.
    expect(stablePoint(MEMBERS, all({ 'eu-west': 2, 'us-east': 9 }), stampAt)).toEqual({ wall: 901, counter: 0, node: 'us-east' });
  });

  it('waits while a member is not heard from, and has nothing to say before anything is written', () => {
    const full: Digest = { asia: 3, 'eu-west': 3, 'us-east': 3 };
    expect(stablePoint(MEMBERS, new Map([['asia', full], ['eu-west', full]]), stampAt)).toBeNull();
    expect(stablePoint(MEMBERS, all({}), stampAt)).toBeNull();
  });

  it('waits when a lagging origin has no stored fact at or below what all hold', () => {
    const digests = new Map<string, Digest>([
      ['asia', { asia: 3, 'us-east': 5 }],
      ['eu-west', { asia: 0, 'us-east': 5 }],
      ['us-east', { asia: 3, 'us-east': 5 }],
    ]);
    expect(stablePoint(MEMBERS, digests, stampAt)).toBeNull();
    const lagging = new Map(digests).set('eu-west', { asia: 2, 'us-east': 5 });
    const nothingStored = (origin: string, seq: number) => (origin === 'asia' ? undefined : stampAt(origin, seq));
    expect(stablePoint(MEMBERS, lagging, nothingStored)).toBeNull();
    expect(stablePoint(MEMBERS, lagging, stampAt)).toEqual({ wall: 203, counter: 0, node: 'asia' });
  });
});
