import { describe, it, expect } from 'vitest';
import { pino } from 'pino';
import { isMembershipFrame, type AntiEntropyFrame, type Fact, type NodeId } from '../gossip/frames';
import { FakeClock } from '../time/fakeClock';
import { seededRandom } from '../time/random';
import { LinkSimulator } from '../transport/linkSimulator';
import type { LinkProfile } from '../transport/linkSimulator';
import { MemoryNetwork } from '../transport/memoryTransport';
import { AntiEntropy } from './antiEntropy';
import type { AntiEntropyConfig, GossipActivity } from './antiEntropy';
import { HybridClock } from './hlc';
import { ReplicatedIndex } from './replicatedIndex';
import { IN_MEMORY, IndexCommitter, IndexUnavailableError, type Durability } from './indexCommitter';

const logger = pino({ level: 'silent' });
const REGIONS = ['us-east', 'eu-west', 'asia'];
/** DESIGN §2 one-way delays and jitter. */
const WAN: Record<string, LinkProfile> = {
  'eu-west|us-east': { delayMs: 40, jitterMs: 4, lossPercent: 0 },
  'asia|us-east': { delayMs: 75, jitterMs: 8, lossPercent: 0 },
  'asia|eu-west': { delayMs: 115, jitterMs: 10, lossPercent: 0 },
};
const wanLink = (a: NodeId, b: NodeId): LinkProfile =>
  WAN[[a, b].sort().join('|')] ?? { delayMs: 60, jitterMs: 6, lossPercent: 0 };

interface SimNode {
  id: NodeId;
  index: ReplicatedIndex;
  ae: AntiEntropy;
  links: LinkSimulator;
  committer: IndexCommitter;
  activity: GossipActivity[];
}

function cluster(ids: NodeId[] = REGIONS, config: Partial<AntiEntropyConfig> = {}, withMembers = false) {
  const clock = new FakeClock();
  const network = new MemoryNetwork(clock);
  const nodes: SimNode[] = ids.map((id, i) => {
    const links = new LinkSimulator({ self: id, linkTo: (peer) => wanLink(id, peer), clock, random: seededRandom(10 + i) });
    const transport = network.connect(id, links);
    const index = new ReplicatedIndex(id, new HybridClock(id, clock), { durableWrites: true });
    const committer = new IndexCommitter(index, IN_MEMORY, { clock, logger });
    const activity: GossipActivity[] = [];
    const ae = new AntiEntropy({
      self: id,
      index,
      committer,
      send: (to, frame) => transport.send(to, frame),
      livePeers: () => ids.filter((other) => other !== id),
      clock,
      random: seededRandom(100 + i),
      logger,
      config,
      members: withMembers ? () => ids : undefined,
    });
    ae.onActivity((event) => activity.push(event));
    transport.onFrame((from, frame) => {
      if (!isMembershipFrame(frame)) ae.handleFrame(from, frame);
    });
    return { id, index, ae, links, committer, activity };
  });
  const converged = () => {
    const [first, ...rest] = nodes.map((node) => JSON.stringify([node.index.entries(), sortedDigest(node.index)]));
    return rest.every((other) => other === first);
  };
  return { clock, nodes, converged };
}

function sortedDigest(index: ReplicatedIndex) {
  return Object.entries(index.digest()).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Lets the promise chains of writes (memory log appends) settle. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('AntiEntropy over the in-memory WAN', () => {
  it('converges three nodes after writes on each', async () => {
    const { clock, nodes, converged } = cluster();
    for (const node of nodes) node.ae.start();
    for (const [i, node] of nodes.entries()) {
      for (let k = 0; k < 5; k++) await node.ae.write(`file/${node.id}/${k}`, { size: i * 10 + k });
    }
    await nodes[0]!.ae.write('file/eu-west/0', { size: 999 });
    expect(clock.advanceUntil(converged, 10_000)).toBeDefined();
    const entries = nodes[2]!.index.entries();
    expect(entries).toHaveLength(15);
    expect(Object.fromEntries(entries)['file/eu-west/0']).toEqual({ size: 999 });
    for (const node of nodes) expect(node.index.digest()).toEqual({ 'us-east': 6, 'eu-west': 5, asia: 5 });
  });

  it('pushes a write to all nodes within the one-way link delay', async () => {
    const { clock, nodes } = cluster();
    const [usEast, euWest, asia] = nodes as [SimNode, SimNode, SimNode];
    // No anti-entropy rounds: only the eager push can deliver.
    await usEast.ae.write('k', 'v');
    clock.advance(30);
    expect(euWest.index.get('k')).toBeUndefined();
    clock.advance(40 + 4 - 30);
    expect(euWest.index.get('k')).toBe('v');
    expect(asia.index.get('k')).toBeUndefined();
    clock.advance(75 + 8 - (40 + 4));
    expect(asia.index.get('k')).toBe('v');
  });

  it('heals a partition with nothing lost and nothing resurrected', async () => {
    const { clock, nodes, converged } = cluster();
    const [usEast, euWest, asia] = nodes as [SimNode, SimNode, SimNode];
    for (const node of nodes) node.ae.start();
    await usEast.ae.write('doomed', 'old');
    await asia.ae.write('kept', 'asia');
    expect(clock.advanceUntil(converged, 5_000)).toBeDefined();

    asia.links.setFaults({ partitionedFrom: ['us-east', 'eu-west'] });
    await usEast.ae.remove('doomed');
    await euWest.ae.write('new/eu', 1);
    await usEast.ae.remove('kept');
    await asia.ae.write('new/asia', 2);
    clock.advance(5_000);
    expect(asia.index.get('doomed')).toBe('old');
    expect(asia.index.get('new/eu')).toBeUndefined();
    expect(usEast.index.get('new/asia')).toBeUndefined();

    asia.links.clearFaults();
    expect(clock.advanceUntil(converged, 10_000)).toBeDefined();
    for (const node of nodes) {
      expect(node.index.entries()).toEqual([
        ['new/asia', 2],
        ['new/eu', 1],
      ]);
    }
  });

  it('a node far behind asks again as soon as a capped answer is stored, not once an interval', async () => {
    const { clock, nodes, converged } = cluster(['us-east', 'eu-west'], { maxFactsPerFrame: 50 });
    const [usEast, euWest] = nodes as [SimNode, SimNode];
    for (const node of nodes) node.ae.start();
    euWest.links.setFaults({ partitionedFrom: ['us-east'] });
    for (let k = 0; k < 2_000; k++) await usEast.ae.write(`file/u/${k}`, { size: k });
    clock.advance(2_000);
    expect(euWest.index.size).toBe(0);
    euWest.links.clearFaults();
    // 40 capped answers: at one or two an interval that is 20 s or more; asked back to back,
    // each costs a round trip (80 ms on this link). Commits settle between steps of the clock.
    let took = 0;
    while (!converged() && took < 30_000) {
      clock.advance(20);
      took += 20;
      await settle();
    }
    expect(converged()).toBe(true);
    expect(took).toBeLessThan(6_000);
    expect(euWest.index.size).toBe(2_000);
  });

  it('converges with 20% loss on every link', async () => {
    const { clock, nodes, converged } = cluster();
    for (const node of nodes) {
      node.links.setFaults({ lossPercent: 20 });
      node.ae.start();
    }
    for (let i = 0; i < 30; i++) {
      const node = nodes[i % 3]!;
      if (i % 7 === 6) await node.ae.remove(`k${i - 3}`);
      else await node.ae.write(`k${i}`, i);
      clock.advance(50);
    }
    expect(clock.advanceUntil(converged, 30_000)).toBeDefined();
    expect(nodes[0]!.index.size).toBe(30 - 2 * 4);
  });

  it('sends no facts between converged nodes, only digests', async () => {
    const { clock, nodes, converged } = cluster();
    for (const node of nodes) node.ae.start();
    for (const node of nodes) await node.ae.write(`k/${node.id}`, node.id);
    expect(clock.advanceUntil(converged, 5_000)).toBeDefined();
    clock.advance(1_000);
    for (const node of nodes) node.activity.length = 0;
    clock.advance(5_000);
    const sent = nodes.flatMap((node) => node.activity.filter((event) => event.direction === 'out'));
    expect(sent.filter((event) => event.kind === 'digest').length).toBeGreaterThanOrEqual(3 * 4);
    expect(sent.reduce((sum, event) => sum + event.facts, 0)).toBe(0);
  });

  it('collects tombstones once every member has them, without resurrection', async () => {
    const { clock, nodes, converged } = cluster(REGIONS, {}, true);
    for (const node of nodes) node.ae.start();
    const write = await nodes[0]!.ae.write('gone', 'v');
    clock.advance(500);
    await nodes[1]!.ae.remove('gone');
    expect(clock.advanceUntil(() => converged() && nodes.every((n) => n.index.tombstoneCount === 0), 20_000)).toBeDefined();
    // A stray copy of the original push arrives late: still gone everywhere.
    for (const node of nodes) node.ae.handleFrame('us-east', { type: 'delta', facts: [write] });
    clock.advance(3_000);
    for (const node of nodes) expect(node.index.get('gone')).toBeUndefined();
    // Collected, not merely deleted: no tombstone is left for the key anywhere.
    for (const node of nodes) expect(node.index.getFact('gone')).toBeUndefined();
  });

  it('forwards pushed facts once when rumour forwarding is on', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `n${i}`);
    const reached = async (forwardPushes: boolean) => {
      const { clock, nodes } = cluster(ids, { pushFanout: 2, forwardPushes });
      await nodes[0]!.ae.write('rumour', 1);
      // Stored facts are forwarded from a promise continuation: let those run between steps.
      for (let t = 0; t < 2_000; t += 5) {
        clock.advance(5);
        await settle();
      }
      for (const node of nodes.slice(1)) {
        const pushesOut = node.activity.filter((event) => event.kind === 'push' && event.direction === 'out');
        expect(pushesOut.length).toBeLessThanOrEqual(2);
      }
      return nodes.filter((node) => node.index.get('rumour') === 1).length;
    };
    expect(await reached(false)).toBe(3);
    expect(await reached(true)).toBeGreaterThan(3);
  });
});

describe('AntiEntropy protocol steps', () => {
  function pair() {
    const clock = new FakeClock();
    const sent: Array<{ from: NodeId; to: NodeId; frame: AntiEntropyFrame }> = [];
    const make = (id: NodeId, durability: Durability = IN_MEMORY, config: Partial<AntiEntropyConfig> = {}) => {
      const index = new ReplicatedIndex(id, new HybridClock(id, clock), { durableWrites: true });
      const ae = new AntiEntropy({
        self: id,
        index,
        committer: new IndexCommitter(index, durability, { clock, logger, probeIntervalMs: 1_000 }),
        send: (to, frame) => void sent.push({ from: id, to, frame }),
        livePeers: () => [id === 'a' ? 'b' : 'a'],
        clock,
        random: seededRandom(1),
        logger,
        config,
      });
      return { index, ae };
    };
    return { clock, sent, make };
  }

  it('asks a peer that has more again at once, and stops when an answer brings nothing new (no loop)', async () => {
    const { sent, make } = pair();
    const a = make('a');
    const b = make('b');
    await a.ae.write('k1', 1);
    await a.ae.write('k2', 2);
    const [first, second] = a.index.deltaFor({}, { maxFacts: 10, maxBytes: 1 << 20 }).facts as [Fact, Fact];
    sent.length = 0;
    // An answer to b's digest with one fact, from a peer that says it has more.
    b.ae.handleFrame('a', { type: 'delta', facts: [first], upTo: {}, digest: { a: 2 } });
    await settle();
    expect(sent.map((s) => s.frame.type)).toEqual(['digest']);
    // The next answer brings the rest: b is level, and asks no more.
    b.ae.handleFrame('a', { type: 'delta', facts: [second], upTo: {}, digest: { a: 2 } });
    await settle();
    expect(sent).toHaveLength(1);
    // A peer that claims more than it sends: one more ask after an answer with something new,
    // none after one that brings nothing.
    b.ae.handleFrame('a', { type: 'delta', facts: [second], upTo: {}, digest: { a: 1_000 } });
    await settle();
    expect(sent).toHaveLength(1);
  });

  it('asks for the next part of a catch-up while the last is on its way to disk, two at most, and stores them in order', async () => {
    const { sent, make } = pair();
    const a = make('a');
    for (let k = 1; k <= 4; k++) await a.ae.write(`k${k}`, k);
    const facts = a.index.deltaFor({}, { maxFacts: 10, maxBytes: 1 << 20 }).facts;
    let syncs: Array<() => void> = [];
    const slowDisk: Durability = { transaction: (fn) => fn(), sync: () => new Promise<void>((resolve) => syncs.push(resolve)) };
    const b = make('b', slowDisk);
    const part = (i: number): AntiEntropyFrame => ({ type: 'delta', facts: [facts[i]!], upTo: { a: i + 1 }, digest: { a: 4 } });
    const asks = () => sent.filter((s) => s.from === 'b' && s.frame.type === 'digest').map((s) => s.frame);
    sent.length = 0;

    b.ae.handleFrame('a', part(0));
    // Asked for part 2 at once, from where part 1 ends, though nothing is on disk yet.
    expect(asks()).toEqual([{ type: 'digest', digest: {}, from: { a: 1 } }]);
    b.ae.handleFrame('a', part(1));
    await settle();
    // Two answers wait for the disk: no third ask until one is stored.
    expect(asks()).toHaveLength(1);
    for (const resolve of syncs.splice(0)) resolve();
    await settle();
    await settle();
    expect(b.index.digest()).toEqual({ a: 1 });
    expect(asks()).toEqual([
      { type: 'digest', digest: {}, from: { a: 1 } },
      { type: 'digest', digest: { a: 1 }, from: { a: 2 } },
    ]);
    for (const resolve of syncs.splice(0)) resolve();
    await settle();
    expect(b.index.digest()).toEqual({ a: 2 });
    // Only `digest` counts as held: what a holds of b's copies does not run ahead of b's disk.
    b.ae.handleFrame('a', part(2));
    b.ae.handleFrame('a', part(3));
    for (let i = 0; i < 4; i++) {
      for (const resolve of syncs.splice(0)) resolve();
      await settle();
    }
    expect(b.index.digest()).toEqual({ a: 4 });
    expect(b.index.entries()).toEqual(a.index.entries());
  });

  it('a catch-up part that cannot be stored drops the parts after it: their upTo must not skip it', async () => {
    const { make } = pair();
    const a = make('a');
    for (let k = 1; k <= 2; k++) await a.ae.write(`k${k}`, k);
    const facts = a.index.deltaFor({}, { maxFacts: 10, maxBytes: 1 << 20 }).facts;
    let failNext = true;
    let syncs: Array<() => void> = [];
    const flakyDisk: Durability = {
      transaction: (fn) => {
        if (failNext) {
          failNext = false;
          throw new Error('EIO');
        }
        return fn();
      },
      sync: () => new Promise<void>((resolve) => syncs.push(resolve)),
    };
    const b = make('b', flakyDisk);
    b.ae.handleFrame('a', { type: 'delta', facts: [facts[0]!], upTo: { a: 1 }, digest: { a: 2 } });
    b.ae.handleFrame('a', { type: 'delta', facts: [facts[1]!], upTo: { a: 2 }, digest: { a: 2 } });
    for (let i = 0; i < 4; i++) {
      for (const resolve of syncs.splice(0)) resolve();
      await settle();
    }
    // Neither is stored: had the second been, its upTo would have vouched for k1 too.
    expect(b.index.digest()).toEqual({});
    expect(b.index.get('k2')).toBeUndefined();
  });

  it('a node that lost its disk numbers its new facts after those its peers hold of it', async () => {
    const { sent, make } = pair();
    const before = make('a');
    for (let k = 1; k <= 5; k++) await before.ae.write(`k${k}`, k);
    const b = make('b');
    b.ae.handleFrame('a', { type: 'delta', facts: before.index.deltaFor({}, { maxFacts: 100, maxBytes: 1 << 20 }).facts, upTo: { a: 5 } });
    await settle();
    expect(b.index.digest()).toEqual({ a: 5 });

    // The same node, its disk wiped: it must not write until a peer has said how far it went.
    const wiped = make('a', IN_MEMORY, { learnOwnSeqMs: 10_000 });
    expect(wiped.index.startedEmpty).toBe(true);
    let written: Fact | undefined;
    void wiped.ae.write('after-wipe', 1).then((fact) => (written = fact));
    await settle();
    expect(written).toBeUndefined();
    wiped.ae.handleFrame('b', { type: 'digest', digest: b.index.digest() });
    await settle();
    expect(written).toMatchObject({ origin: 'a', seq: 6 });
    // b takes it (a seq it has not seen), and a gets its old facts back from b.
    b.ae.handleFrame('a', { type: 'delta', facts: [written!] });
    await settle();
    expect(b.index.get('after-wipe')).toBe(1);
    wiped.ae.handleFrame('b', { type: 'delta', facts: b.index.deltaFor(wiped.index.digest(), { maxFacts: 100, maxBytes: 1 << 20 }).facts, upTo: { a: 6 } });
    await settle();
    expect(wiped.index.entries().map(([key]) => key).sort()).toEqual(['after-wipe', 'k1', 'k2', 'k3', 'k4', 'k5']);
  });

  it('closes a two-sided difference in three frames, never a loop', async () => {
    const { sent, make } = pair();
    const a = make('a');
    const b = make('b');
    await a.ae.write('ka', 1);
    await b.ae.write('kb', 2);
    sent.length = 0;
    b.ae.handleFrame('a', { type: 'digest', digest: a.index.digest() });
    expect(sent).toHaveLength(1);
    const answer = sent[0]!.frame;
    expect(answer).toMatchObject({ type: 'delta', upTo: { b: 1 }, digest: { b: 1 } });
    a.ae.handleFrame('b', answer);
    expect(sent).toHaveLength(2);
    const back = sent[1]!.frame;
    expect(back.type === 'delta' && back.digest).toBeUndefined();
    expect(back).toMatchObject({ type: 'delta', facts: [{ key: 'ka' }], upTo: { a: 1 } });
    b.ae.handleFrame('a', back);
    expect(sent).toHaveLength(2);
    expect(a.index.entries()).toEqual(b.index.entries());
  });

  it('acknowledges a write only after it is on disk, and pushes and vouches for it only then', async () => {
    const { sent, make } = pair();
    let release: () => void = () => {};
    const slowDisk: Durability = { transaction: (fn) => fn(), sync: () => new Promise<void>((resolve) => (release = resolve)) };
    const a = make('a', slowDisk);
    const changes: Fact[] = [];
    a.ae.onChange((facts) => changes.push(...facts));
    let done = false;
    const pending = a.ae.write('k', 'v').then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    expect(sent).toHaveLength(0);
    expect(changes).toHaveLength(0);
    expect(a.index.deltaFor({}).facts).toHaveLength(0);
    expect(a.index.digest()).toEqual({});
    release();
    await pending;
    expect(sent.map((s) => s.frame)).toEqual([{ type: 'delta', facts: [expect.objectContaining({ key: 'k', seq: 1 })] }]);
    expect(changes.map((fact) => fact.key)).toEqual(['k']);
    expect(a.index.digest()).toEqual({ a: 1 });
  });

  it('shares one commit between writes made together (group commit)', async () => {
    const { make } = pair();
    let syncs = 0;
    const disk: Durability = { transaction: (fn) => fn(), sync: async () => void syncs++ };
    const a = make('a', disk);
    await Promise.all(Array.from({ length: 50 }, (_, i) => a.ae.write(`k${i}`, i)));
    expect(syncs).toBe(1);
    expect(a.index.digest()).toEqual({ a: 50 });
  });

  it('refuses writes while the disk fails, keeps nothing of them, and takes writes again once it works', async () => {
    const { clock, sent, make } = pair();
    let full = true;
    const disk: Durability = {
      transaction: (fn) => {
        if (full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        return fn();
      },
      sync: async () => {},
    };
    const a = make('a', disk);
    await expect(a.ae.write('k1', 1)).rejects.toBeInstanceOf(IndexUnavailableError);
    await expect(a.ae.write('k2', 2)).rejects.toThrow(/disk full/);
    expect(sent).toHaveLength(0);
    expect(a.index.get('k1')).toBeUndefined();
    expect(a.index.lastOwnSeq).toBe(0);
    // A peer's facts are not taken either: our digest stays put, so they come again.
    a.ae.handleFrame('b', { type: 'delta', facts: [{ origin: 'b', seq: 1, key: 'x', value: 1, version: { wall: 1, counter: 0, node: 'b' } }], upTo: { b: 1 } });
    await settle();
    expect(a.index.digest()).toEqual({});
    full = false;
    clock.advance(1_000);
    await settle();
    await settle();
    const fact = await a.ae.write('k3', 3);
    expect(fact.seq).toBe(1);
    expect(a.index.deltaFor({}).upTo).toEqual({ a: 1 });
  });

  it('applies a delta and its watermark advance once; listeners hear of each winner once', async () => {
    const { make } = pair();
    const b = make('b');
    const fact: Fact = { origin: 'a', seq: 2, key: 'k', value: 1, version: { wall: 5, counter: 0, node: 'a' } };
    const changes: Array<[string, NodeId]> = [];
    b.ae.onChange((facts, from) => changes.push(...facts.map((f): [string, NodeId] => [f.key, from])));
    b.ae.handleFrame('a', { type: 'delta', facts: [fact], upTo: { a: 2 } });
    b.ae.handleFrame('a', { type: 'delta', facts: [fact], upTo: { a: 2 } });
    await settle();
    expect(changes).toEqual([['k', 'a']]);
    expect(b.index.digest()).toEqual({ a: 2 });
  });

  it('counts the copies of a write: each peer answers a push with a durable frame once it is on its disk', async () => {
    const { clock, nodes } = cluster();
    const [usEast, euWest, asia] = nodes as [SimNode, SimNode, SimNode];
    asia.links.setFaults({ partitionedFrom: ['us-east'] });
    const fact = await usEast.ae.write('k', 'v');
    const copies = usEast.ae.awaitPeerCopies(fact, 1, 1_000);
    const both = usEast.ae.awaitPeerCopies(fact, 2, 1_000).then(
      () => 'both',
      (error: Error) => error.name,
    );
    // Push out (40 ms), eu-west commits, its durable frame back (40 ms).
    for (let t = 0; t < 100; t += 5) {
      clock.advance(5);
      await settle();
    }
    expect(await copies).toEqual(['eu-west']);
    expect(euWest.index.get('k')).toBe('v');
    for (let t = 0; t < 1_000; t += 50) {
      clock.advance(50);
      await settle();
    }
    expect(await both).toBe('CopiesTimeoutError');
  });
});
