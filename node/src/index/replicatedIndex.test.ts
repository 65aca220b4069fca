import { describe, it, expect } from 'vitest';
import type { Digest, Fact, NodeId } from '../gossip/frames';
import { FakeClock } from '../time/fakeClock';
import { seededRandom } from '../time/random';
import type { Random } from '../time/random';
import { HybridClock, compareHlc } from './hlc';
import { MAX_DELTA_BYTES } from '../gossip/frames';
import { MemoryFactStore } from './factStore';
import { ReplicatedIndex } from './replicatedIndex';

const clock = new FakeClock();

function makeIndex(self: NodeId, options = {}): ReplicatedIndex {
  return new ReplicatedIndex(self, new HybridClock(self, clock), options);
}

function fact(origin: NodeId, seq: number, key: string, value: Fact['value'], wall: number): Fact {
  return { origin, seq, key, value, version: { wall, counter: seq, node: origin } };
}

/** Everything observable about an index's replicated state, in a comparable form. */
function state(index: ReplicatedIndex) {
  const facts = index.store.origins().flatMap((origin) => index.store.factsOf(origin, 0, Infinity, Infinity));
  return {
    facts: facts.sort((a, b) => (a.key < b.key ? -1 : 1)),
    digest: Object.entries(index.digest()).sort(([a], [b]) => (a < b ? -1 : 1)),
    entries: index.entries(),
  };
}

/** Random facts from three origins over a few keys, each origin's seqs 1..n, walls jumbled. */
function randomFacts(random: Random, perOrigin: number): Fact[] {
  const facts: Fact[] = [];
  for (const origin of ['a', 'b', 'c']) {
    for (let seq = 1; seq <= perOrigin; seq++) {
      const key = `k${Math.floor(random() * 6)}`;
      const value = random() < 0.3 ? null : { n: Math.floor(random() * 1000) };
      facts.push(fact(origin, seq, key, value, 1_000 + Math.floor(random() * 200)));
    }
  }
  return facts;
}

function shuffle<T>(items: readonly T[], random: Random): T[] {
  const copy = items.slice();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** Brute-force last-writer-wins: the highest version per key. */
function expectedWinners(facts: readonly Fact[]): Map<string, Fact> {
  const winners = new Map<string, Fact>();
  for (const f of facts) {
    const current = winners.get(f.key);
    if (!current || compareHlc(f.version, current.version) > 0) winners.set(f.key, f);
  }
  return winners;
}

/** One anti-entropy exchange from `from` to `to`, as the protocol does it. */
function sync(from: ReplicatedIndex, to: ReplicatedIndex, maxFacts?: number): number {
  const delta = from.deltaFor(to.digest(), maxFacts === undefined ? undefined : { maxFacts, maxBytes: MAX_DELTA_BYTES });
  to.apply(delta.facts);
  to.advance(delta.upTo);
  return delta.facts.length;
}

describe('ReplicatedIndex local changes', () => {
  it('numbers own facts 1, 2, 3 and stamps them with rising versions', () => {
    const index = makeIndex('a');
    const first = index.put('file/1', { name: 'x' });
    const second = index.put('file/2', { name: 'y' });
    const third = index.remove('file/1');
    expect([first.seq, second.seq, third.seq]).toEqual([1, 2, 3]);
    expect(first.origin).toBe('a');
    expect(compareHlc(first.version, second.version)).toBeLessThan(0);
    expect(compareHlc(second.version, third.version)).toBeLessThan(0);
    expect(third.value).toBeNull();
    expect(index.get('file/1')).toBeUndefined();
    expect(index.get('file/2')).toEqual({ name: 'y' });
    expect(index.size).toBe(1);
    expect(index.tombstoneCount).toBe(1);
    expect(index.version).toBe(3);
    expect(index.digest()).toEqual({ a: 3 });
  });

  it('lists live entries by prefix in key order', () => {
    const index = makeIndex('a');
    index.put('u1/b', 2);
    index.put('u2/a', 3);
    index.put('u1/a', 1);
    index.remove('u1/b');
    expect(index.entries('u1/')).toEqual([['u1/a', 1]]);
    expect(index.entries().map(([key]) => key)).toEqual(['u1/a', 'u2/a']);
  });

  it('refuses empty and over-long keys', () => {
    const index = makeIndex('a');
    expect(() => index.put('', 1)).toThrow(RangeError);
    expect(() => index.put('x'.repeat(513), 1)).toThrow(RangeError);
  });

  it('orders a local write after a current value stamped by a clock far ahead', () => {
    const index = makeIndex('a');
    const future = fact('b', 1, 'k', 'from the future', clock.now() + 3_600_000);
    index.apply([future]);
    const local = index.put('k', 'mine');
    expect(compareHlc(local.version, future.version)).toBeGreaterThan(0);
    expect(index.get('k')).toBe('mine');
  });
});

describe('ReplicatedIndex merge', () => {
  it('keeps the highest version per key and reports only new winners', () => {
    const index = makeIndex('x');
    const older = fact('a', 1, 'k', 'old', 100);
    const newer = fact('b', 1, 'k', 'new', 200);
    expect(index.apply([newer])).toEqual([newer]);
    expect(index.apply([older])).toEqual([]);
    expect(index.get('k')).toBe('new');
    expect(index.version).toBe(1);
    // Old facts for the same key are dropped, so a delta never carries them.
    expect(index.deltaFor({}).facts).toEqual([newer]);
  });

  it('is commutative: any delivery order gives the same state (seeded property)', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const random = seededRandom(seed);
      const facts = randomFacts(random, 12);
      const reference = makeIndex('x');
      reference.apply(facts);
      const winners = expectedWinners(facts);
      expect(state(reference).facts).toEqual([...winners.values()].sort((a, b) => (a.key < b.key ? -1 : 1)));
      for (let round = 0; round < 4; round++) {
        const other = makeIndex('y');
        const shuffled = shuffle(facts, random);
        // Random batch sizes, as frames of any size would deliver them.
        for (let i = 0; i < shuffled.length; ) {
          const size = 1 + Math.floor(random() * 5);
          other.apply(shuffled.slice(i, i + size));
          i += size;
        }
        expect(state(other)).toEqual(state(reference));
      }
    }
  });

  it('is idempotent: applying the same facts again changes nothing', () => {
    const random = seededRandom(7);
    const facts = randomFacts(random, 15);
    const index = makeIndex('x');
    index.apply(facts);
    const before = state(index);
    const version = index.version;
    expect(index.apply(shuffle(facts, random))).toEqual([]);
    expect(state(index)).toEqual(before);
    expect(index.version).toBe(version);
  });

  it('lets a tombstone beat an older write in either order', () => {
    const write = fact('a', 1, 'k', 'v', 100);
    const tombstone = fact('b', 1, 'k', null, 200);
    for (const order of [[write, tombstone], [tombstone, write]]) {
      const index = makeIndex('x');
      for (const f of order) index.apply([f]);
      expect(index.get('k')).toBeUndefined();
      expect(index.getFact('k')).toEqual(tombstone);
      expect(index.tombstoneCount).toBe(1);
      expect(index.size).toBe(0);
    }
  });

  it('never lets an older write resurrect a deleted key, but a newer one revives it', () => {
    const index = makeIndex('x');
    index.apply([fact('a', 1, 'k', 'v1', 100), fact('b', 1, 'k', null, 300)]);
    index.apply([fact('c', 1, 'k', 'late but old', 200)]);
    expect(index.get('k')).toBeUndefined();
    index.apply([fact('c', 2, 'k', 'newer', 400)]);
    expect(index.get('k')).toBe('newer');
  });
});

describe('ReplicatedIndex watermarks', () => {
  it('advances the watermark only when the seqs below are contiguous', () => {
    const index = makeIndex('x');
    index.apply([fact('a', 3, 'k3', 3, 100), fact('a', 2, 'k2', 2, 100)]);
    expect(index.digest()).toEqual({});
    index.apply([fact('a', 5, 'k5', 5, 100)]);
    expect(index.digest()).toEqual({});
    index.apply([fact('a', 1, 'k1', 1, 100)]);
    expect(index.digest()).toEqual({ a: 3 });
    index.apply([fact('a', 4, 'k4', 4, 100)]);
    expect(index.digest()).toEqual({ a: 5 });
  });

  it('counts a superseded fact towards the watermark', () => {
    const index = makeIndex('x');
    index.apply([fact('b', 1, 'k', 'newer', 500), fact('a', 1, 'k', 'older', 100)]);
    expect(index.digest()).toEqual({ a: 1, b: 1 });
  });
});

describe('ReplicatedIndex deltas', () => {
  it('sends only what the peer lacks, in (origin, seq) order, and nothing once converged', () => {
    const a = makeIndex('a');
    const b = makeIndex('b');
    a.put('k1', 1);
    a.put('k2', 2);
    b.put('k3', 3);
    const delta = a.deltaFor(b.digest());
    expect(delta.facts.map((f) => `${f.origin}:${f.seq}`)).toEqual(['a:1', 'a:2']);
    expect(delta.upTo).toEqual({ a: 2 });
    sync(a, b);
    sync(b, a);
    expect(state(a)).toEqual(state(b));
    expect(a.deltaFor(b.digest())).toEqual({ facts: [], upTo: {} });
    expect(b.deltaFor(a.digest())).toEqual({ facts: [], upTo: {} });
  });

  it('lets the peer advance past superseded facts that are left out', () => {
    const a = makeIndex('a');
    a.put('k', 1);
    a.put('k', 2);
    a.put('k', 3);
    const b = makeIndex('b');
    const delta = a.deltaFor({});
    expect(delta.facts.map((f) => f.seq)).toEqual([3]);
    expect(delta.upTo).toEqual({ a: 3 });
    b.apply(delta.facts);
    expect(b.digest()).toEqual({});
    b.advance(delta.upTo);
    expect(b.digest()).toEqual({ a: 3 });
    // The superseded fact, arriving late (an old push), is at the watermark: ignored.
    expect(b.apply([fact('a', 1, 'k', 1, 1)])).toEqual([]);
    expect(b.get('k')).toBe(3);
  });

  it('never vouches past its own gap, but still sends the facts above it', () => {
    const x = makeIndex('x');
    x.apply([fact('a', 1, 'k1', 1, 100), fact('a', 3, 'k3', 3, 100)]);
    const delta = x.deltaFor({});
    expect(delta.facts.map((f) => f.seq)).toEqual([1, 3]);
    expect(delta.upTo).toEqual({ a: 1 });
  });

  it('truncates at maxFacts and vouches only for what it included', () => {
    const a = makeIndex('a');
    for (let i = 1; i <= 5; i++) a.put(`k${i}`, i);
    const delta = a.deltaFor({ a: 1 }, { maxFacts: 2, maxBytes: MAX_DELTA_BYTES });
    expect(delta.facts.map((f) => f.seq)).toEqual([2, 3]);
    expect(delta.upTo).toEqual({ a: 3 });
  });

  it('caps a delta by bytes, always sends at least one fact, and lets the peer catch up frame by frame', () => {
    const a = makeIndex('a');
    const big = 'x'.repeat(60_000);
    for (let i = 1; i <= 20; i++) a.put(`k${i}`, big);
    const first = a.deltaFor({});
    const bytes = first.facts.reduce((sum, f) => sum + JSON.stringify(f).length, 0);
    expect(first.facts.length).toBe(4);
    expect(bytes).toBeLessThanOrEqual(MAX_DELTA_BYTES);
    expect(first.upTo).toEqual({ a: 4 });
    const huge = a.deltaFor({}, { maxFacts: 1000, maxBytes: 10 });
    expect(huge.facts.map((f) => f.seq)).toEqual([1]);
    const b = makeIndex('b');
    let frames = 0;
    while (sync(a, b) > 0) frames++;
    expect(frames).toBe(5);
    expect(b.entries()).toEqual(a.entries());
  });

  it('converges between two random indexes with one exchange each way (seeded property)', () => {
    for (let seed = 100; seed < 120; seed++) {
      const random = seededRandom(seed);
      const facts = randomFacts(random, 10);
      const left = makeIndex('l');
      const right = makeIndex('r');
      for (const f of facts) {
        const roll = random();
        if (roll < 0.4) left.apply([f]);
        else if (roll < 0.8) right.apply([f]);
        else {
          left.apply([f]);
          right.apply([f]);
        }
      }
      sync(left, right);
      sync(right, left);
      const reference = makeFrom(facts);
      expect(state(left).facts).toEqual(state(reference).facts);
      expect(state(right).facts).toEqual(state(reference).facts);
      // Both may have gaps no one of them can fill; the origins (all facts) fill them.
      sync(reference, left);
      sync(reference, right);
      expect(state(left)).toEqual(state(reference));
      expect(state(right)).toEqual(state(reference));
    }
  });

  it('converges over several rounds when deltas are truncated', () => {
    const random = seededRandom(42);
    const left = makeIndex('l');
    const right = makeIndex('r');
    for (let i = 0; i < 40; i++) left.put(`k${Math.floor(random() * 30)}`, i);
    for (let i = 0; i < 25; i++) right.put(`k${Math.floor(random() * 30)}`, -i);
    let rounds = 0;
    const same = () => JSON.stringify(state(left)) === JSON.stringify(state(right));
    while (!same()) {
      expect(sync(left, right, 4)).toBeLessThanOrEqual(4);
      expect(sync(right, left, 4)).toBeLessThanOrEqual(4);
      rounds++;
      expect(rounds).toBeLessThan(30);
    }
    expect(rounds).toBeGreaterThan(1);
    expect(left.deltaFor(right.digest()).facts).toEqual([]);
  });

  it('holds own facts back from deltas until they are durable', () => {
    const a = makeIndex('a', { durableWrites: true });
    a.put('k1', 1);
    a.put('k2', 2);
    expect(a.deltaFor({})).toEqual({ facts: [], upTo: {} });
    expect(a.digest()).toEqual({});
    a.markDurable({ a: 1 });
    expect(a.deltaFor({})).toMatchObject({ facts: [{ seq: 1 }], upTo: { a: 1 } });
    a.markDurable({ a: 2 });
    expect(a.deltaFor({}).upTo).toEqual({ a: 2 });
    expect(a.deltaFor({}).facts).toHaveLength(2);
    expect(a.digest()).toEqual({ a: 2 });
  });
});

describe('ReplicatedIndex after losing its own state', () => {
  it('continues after its own facts learnt back from peers, never reusing their seqs', () => {
    const a = makeIndex('a', { durableWrites: true });
    a.apply([fact('a', 1, 'k1', 1, 100), fact('a', 2, 'k2', 2, 100)]);
    a.advance({ a: 3 });
    a.markDurable(a.committedDigest());
    const next = a.put('k4', 4);
    expect(next.seq).toBe(4);
    expect(a.deltaFor({}).facts.map((f) => f.seq)).toEqual([1, 2]);
    a.markDurable(a.committedDigest());
    expect(a.deltaFor({}).facts.map((f) => f.seq)).toEqual([1, 2, 4]);
    expect(a.deltaFor({}).upTo).toEqual({ a: 4 });
  });
});

function makeFrom(facts: readonly Fact[]): ReplicatedIndex {
  const index = makeIndex('ref');
  index.apply(facts);
  return index;
}

describe('ReplicatedIndex tombstone collection', () => {
  function deletedEverywhere() {
    const index = makeIndex('a');
    index.apply([fact('b', 1, 'k', 'v', 100)]);
    const tombstone = index.remove('k');
    return { index, tombstone };
  }

  it('keeps a tombstone while any member, dead or unknown, does not cover it', () => {
    const { index } = deletedEverywhere();
    const digests = new Map<NodeId, Digest>([['b', { a: 1, b: 1 }]]);
    expect(index.collectTombstones(digests, ['a', 'b', 'c'])).toBe(0);
    digests.set('c', { a: 0, b: 1 });
    expect(index.collectTombstones(digests, ['a', 'b', 'c'])).toBe(0);
    expect(index.tombstoneCount).toBe(1);
    digests.set('c', { a: 1, b: 1 });
    expect(index.collectTombstones(digests, ['a', 'b', 'c'])).toBe(1);
    expect(index.tombstoneCount).toBe(0);
    expect(index.getFact('k')).toBeUndefined();
  });

  it('does not resurrect a collected key when an older write arrives from past a gap', () => {
    const { index, tombstone } = deletedEverywhere();
    // c had already made c:1 and c:2 (an old write to k) when it reported covering the delete.
    const digests = new Map<NodeId, Digest>([
      ['b', { a: 1, b: 1, c: 2 }],
      ['c', { a: 1, b: 1, c: 2 }],
    ]);
    expect(index.collectTombstones(digests, ['a', 'b', 'c'])).toBe(1);
    expect(index.store.gravesAfter('', 10)).toHaveLength(1);
    const oldWrite = fact('c', 2, 'k', 'old', tombstone.version.wall - 10);
    expect(index.apply([oldWrite])).toEqual([]);
    expect(index.get('k')).toBeUndefined();
    // Once c:1 arrives the watermark covers c's horizon and the grave is no longer needed.
    index.apply([fact('c', 1, 'other', 1, 50)]);
    expect(index.digest()).toEqual({ a: 1, b: 1, c: 2 });
    index.collectTombstones(digests, ['a', 'b', 'c']);
    expect(index.store.gravesAfter('', 10)).toHaveLength(0);
    expect(index.apply([oldWrite])).toEqual([]);
    expect(index.get('k')).toBeUndefined();
  });

  it('accepts a newer write to a collected key', () => {
    const { index, tombstone } = deletedEverywhere();
    const digests = new Map<NodeId, Digest>([['b', { a: 1, b: 1 }]]);
    index.collectTombstones(digests, ['a', 'b']);
    const revival = fact('b', 2, 'k', 'again', tombstone.version.wall + 10);
    expect(index.apply([revival])).toEqual([revival]);
    expect(index.get('k')).toBe('again');
  });
});

describe('ReplicatedIndex over a store', () => {
  it('reopened on the same store: the same state, and its own seqs go on', () => {
    const random = seededRandom(3);
    const store = new MemoryFactStore();
    const index = new ReplicatedIndex('a', new HybridClock('a', clock), { store });
    index.apply(randomFacts(random, 8).filter((f) => f.origin !== 'a' && f.seq !== 4));
    index.put('mine', 1);
    index.remove('mine');
    index.saveState();
    const reopened = new ReplicatedIndex('a', new HybridClock('a', clock), { store });
    expect(state(reopened)).toEqual(state(index));
    expect(reopened.version).toBe(index.version);
    expect(reopened.checkpoint().trackers).toEqual(index.checkpoint().trackers);
    expect(reopened.put('next', 2).seq).toBe(3);
  });

  it('gives back its in-memory state when a batch is rolled back', () => {
    const index = makeIndex('a');
    index.put('k', 1);
    const before = index.checkpoint();
    index.put('k2', 2);
    index.apply([fact('b', 1, 'x', 1, 100)]);
    index.rollback(before);
    expect(index.digest()).toEqual({ a: 1 });
    expect(index.lastOwnSeq).toBe(1);
  });
});
