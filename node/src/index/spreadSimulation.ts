import pino from 'pino';
import { isMembershipFrame } from '../gossip/frames';
import { FakeClock } from '../time/fakeClock';
import { pickRandom, seededRandom } from '../time/random';
import { LinkSimulator, type LinkProfile } from '../transport/linkSimulator';
import { MemoryNetwork } from '../transport/memoryTransport';
import { AntiEntropy, DEFAULT_ANTI_ENTROPY_CONFIG, type AntiEntropyConfig } from './antiEntropy';
import { IndexCommitter, IN_MEMORY } from './indexCommitter';
import { HybridClock } from './hlc';
import { ReplicatedIndex } from './replicatedIndex';

/**
 * Spreads one fact through N nodes running the real AntiEntropy code on the in-memory
 * transport with a fake clock, and records when each node learnt it. Used by the suite
 * (it must stay fast) and by `npm run bench:simulation`.
 */
export interface SpreadOptions {
  nodes: number;
  seed: number;
  link: LinkProfile;
  antiEntropy: Partial<AntiEntropyConfig>;
  /** Give up after this much fake time. */
  limitMs?: number;
}

export interface SpreadResult {
  nodes: number;
  /** Fake ms after the write at which the fact reached each fraction of the nodes (null: never). */
  reachedMs: Record<'p50' | 'p99' | 'p999' | 'p9999' | 'all', number | null>;
  /** Anti-entropy rounds elapsed by then (ceil of time / interval); 0 = before the first round. */
  rounds: Record<'p9999' | 'all', number | null>;
  framesSent: number;
  framesPerNode: number;
}

export async function simulateSpread(options: SpreadOptions): Promise<SpreadResult> {
  const clock = new FakeClock();
  const random = seededRandom(options.seed);
  const network = new MemoryNetwork(clock);
  const logger = pino({ level: 'silent' });
  const ids = Array.from({ length: options.nodes }, (_, i) => `n${i}`);
  const learntAt = new Map<string, number>();
  const key = 'kv/rumour';
  const config: AntiEntropyConfig = {
    ...DEFAULT_ANTI_ENTROPY_CONFIG,
    // Nobody waits for copies of the rumour: acks would only double the frames counted.
    durableAcks: false,
    intervalMs: 1_000,
    fanout: 3,
    pushFanout: 3,
    forwardPushes: true,
    maxFactsPerFrame: 1_000,
    ...options.antiEntropy,
  };

  const nodes = ids.map((id) => {
    const links = new LinkSimulator({ self: id, linkTo: () => options.link, clock, random });
    const transport = network.connect(id, links);
    const index = new ReplicatedIndex(id, new HybridClock(id, clock));
    // Peers are the whole mesh; sampling picks from it, so no per-node copy is kept.
    const engine = new AntiEntropy({
      self: id,
      index,
      committer: new IndexCommitter(index, IN_MEMORY, { clock, logger }),
      send: (to, frame) => transport.send(to, frame),
      livePeers: () => pickRandom(ids, config.fanout + 4, random).filter((peer) => peer !== id),
      clock,
      random,
      logger,
      config,
    });
    transport.onFrame((from, frame) => {
      if (!isMembershipFrame(frame)) engine.handleFrame(from, frame);
    });
    engine.onChange((facts) => {
      if (!learntAt.has(id) && facts.some((fact) => fact.key === key)) learntAt.set(id, clock.now());
    });
    return engine;
  });

  for (const engine of nodes) engine.start();
  // Let the rounds fall into their random phases before the write, as in a running mesh.
  clock.advance(config.intervalMs * 2);
  const writtenAt = clock.now();
  learntAt.set(ids[0]!, writtenAt);
  void nodes[0]!.write(key, { hello: 'world' });
  const limit = options.limitMs ?? 60_000;
  // Protocol code awaits its (here instant) log appends, so promise continuations must run
  // between clock steps, as they would between real timer ticks.
  while (learntAt.size < options.nodes && clock.now() - writtenAt < limit) {
    clock.advance(5);
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (const engine of nodes) engine.stop();

  const times = [...learntAt.values()].map((t) => t - writtenAt).sort((a, b) => a - b);
  const at = (fraction: number): number | null => {
    const needed = Math.ceil(fraction * options.nodes);
    return times.length >= needed ? times[needed - 1]! : null;
  };
  const roundsAt = (ms: number | null) => (ms === null ? null : Math.ceil(ms / config.intervalMs));
  const p9999 = at(0.9999);
  const all = at(1);
  return {
    nodes: options.nodes,
    reachedMs: { p50: at(0.5), p99: at(0.99), p999: at(0.999), p9999, all },
    rounds: { p9999: roundsAt(p9999), all: roundsAt(all) },
    framesSent: network.sent,
    framesPerNode: Math.round(network.sent / options.nodes),
  };
}
