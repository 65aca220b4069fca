import type { Hlc } from '../gossip/frames';
import { compareHlc, HybridClock } from '../index/hlc';
import type { Clock } from '../time/clock';
import { FakeClock } from '../time/fakeClock';
import { seededRandom, type Random } from '../time/random';
import { LinkSimulator, type LinkProfile } from '../transport/linkSimulator';
import { isNameTaken, pickAvailableName, takenNames } from './conflictNames';
import type { ItemKind } from './itemName';
import { createOp, moveOp, purgeOp, renameOp, trashOp, type ItemId, type RegionId, type TreeOp } from './treeOp';
import { TreeReplica } from './treeReplica';
import type { TreeItem } from './treeState';

/**
 * Regions editing one user's tree through partitions. Each region makes ops the way the local
 * API would (checking names and moves against its own view), keeps every op it has in a tiny
 * fact store keyed by (origin, seq), pushes new ops to every peer, and runs a digest exchange
 * (scuttlebutt in miniature) so that lost pushes and partitions heal. All traffic goes through
 * the real LinkSimulator (delay, jitter, loss, partitions) on a FakeClock; on top of that some
 * frames are delivered twice and some known ops are handed to the tree again. Every so often a
 * region compacts its log at the stable point computed from every region's watermarks.
 */

export const SIM_REGIONS: readonly RegionId[] = ['us-east', 'eu-west', 'asia', 'sa-east', 'af-south'];
export const SIM_ROOT = 'root';
export const SIM_TRASH = 'trash';
// Few names, so that regions often pick the same one in the same folder.
// Folders every region keeps rearranging (never trashed directly).
const HOT_FOLDERS = 12;
export const CALM_MS = 1_500;
const NAMES = ['a', 'b', 'report.pdf', 'archive.tar.gz', '.env', 'Photos', 'notes.txt'];

export interface TreeSimOptions {
  seed: number;
  /** 3–5. */
  regions: number;
  ops: number;
  /** Fake ms between two ops (made by a random region). */
  opIntervalMs?: number;
  lossPercent?: number;
  /** Frames delivered a second time, later. */
  duplicatePercent?: number;
  antiEntropyMs?: number;
  compactEveryMs?: number;
  /** Partitions last from 200 ms to this. */
  maxPartitionMs?: number;
}

export interface TreeSimStats {
  applied: number;
  redone: number;
  compacted: number;
  partitions: number;
  duplicateFrames: number;
  /** Largest log seen at any region at any time, and right after a compaction. */
  peakLog: number;
  peakLogAfterCompaction: number;
  /** Must stay 0: ops new to a region that its tree called stale or duplicate. */
  misfiled: number;
  /** Must stay 0: ops handed to a tree a second time that it added again. */
  readded: number;
  /** Real ms spent inside the trees (apply and compact), without the simulation around them. */
  treeMs: number;
}

export interface TreeSimResult {
  replicas: { region: RegionId; tree: TreeReplica }[];
  ops: TreeOp[];
  created: ItemId[];
  converged: boolean;
  stats: TreeSimStats;
  realMs: number;
  fakeMs: number;
}

interface World {
  created: ItemId[];
  hot: ItemId[];
  hotSet: Set<ItemId>;
}

interface Envelope {
  origin: RegionId;
  seq: number;
  op: TreeOp;
}

class SimRegion {
  readonly tree = new TreeReplica({ rootId: SIM_ROOT, trashId: SIM_TRASH });
  readonly hlc: HybridClock;
  readonly links: LinkSimulator;
  /** The fact store: ops by origin, index seq - 1 (holes while something is missing). */
  private readonly known = new Map<RegionId, TreeOp[]>();
  /** Per origin, the highest seq below which nothing is missing (the digest). */
  readonly contiguous = new Map<RegionId, number>();
  ownSeq = 0;
  private nextItem = 0;

  constructor(
    readonly id: RegionId,
    clock: Clock,
    random: Random,
    linkTo: (peer: RegionId) => LinkProfile,
  ) {
    this.hlc = new HybridClock(id, clock);
    this.links = new LinkSimulator({ self: id, linkTo, clock, random });
  }

  has(env: Envelope): boolean {
    return this.known.get(env.origin)?.[env.seq - 1] !== undefined;
  }

  store(env: Envelope): void {
    let list = this.known.get(env.origin);
    if (!list) this.known.set(env.origin, (list = []));
    list[env.seq - 1] = env.op;
    let c = this.contiguous.get(env.origin) ?? 0;
    while (list[c] !== undefined) c++;
    this.contiguous.set(env.origin, c);
  }

  opAt(origin: RegionId, seq: number): TreeOp | undefined {
    return this.known.get(origin)?.[seq - 1];
  }

  /** What a peer with this digest lacks. */
  missingFor(digest: ReadonlyMap<RegionId, number>): Envelope[] {
    const out: Envelope[] = [];
    for (const [origin, list] of this.known) {
      for (let seq = (digest.get(origin) ?? 0) + 1; seq <= list.length; seq++) {
        const op = list[seq - 1];
        if (op) out.push({ origin, seq, op });
      }
    }
    return out;
  }

  newItemId(): ItemId {
    return `${this.id}-${++this.nextItem}`;
  }
}

export function simulateTree(options: TreeSimOptions): TreeSimResult {
  const started = performance.now();
  const opIntervalMs = options.opIntervalMs ?? 5;
  const maxPartitionMs = options.maxPartitionMs ?? 2_000;
  const lossPercent = options.lossPercent ?? 5;
  const duplicatePercent = options.duplicatePercent ?? 5;
  const antiEntropyMs = options.antiEntropyMs ?? 250;
  const compactEveryMs = options.compactEveryMs ?? 400;
  const random = seededRandom(options.seed);
  const clock = new FakeClock();
  const start = clock.now();
  const ids = SIM_REGIONS.slice(0, options.regions);
  const profiles = new Map<string, LinkProfile>();
  for (const a of ids) {
    for (const b of ids) {
      // Jitter larger than the delay gaps reorders frames on a link and across links.
      profiles.set(`${a}>${b}`, { delayMs: 5 + random() * 80, jitterMs: 5 + random() * 60, lossPercent });
    }
  }
  const regions = ids.map((id) => {
    // Wall clocks a few ms apart: concurrent ops interleave differently in HLC order.
    const skew = Math.round((random() * 2 - 1) * 30);
    const skewed: Clock = {
      now: () => clock.now() + skew,
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      clearTimeout: (handle) => clock.clearTimeout(handle),
    };
    return new SimRegion(id, skewed, random, (peer) => profiles.get(`${id}>${peer}`)!);
  });
  const stats: TreeSimStats = {
    applied: 0,
    redone: 0,
    compacted: 0,
    partitions: 0,
    duplicateFrames: 0,
    peakLog: 0,
    peakLogAfterCompaction: 0,
    misfiled: 0,
    readded: 0,
    treeMs: 0,
  };
  const timed = <T>(fn: () => T): T => {
    const t0 = performance.now();
    const out = fn();
    stats.treeMs += performance.now() - t0;
    return out;
  };
  const ops: TreeOp[] = [];
  const world: World = { created: [], hot: [], hotSet: new Set() };

  const receive = (to: SimRegion, from: SimRegion, envs: readonly Envelope[]): void => {
    if (!to.links.allowsInbound(from.id)) return;
    const fresh: TreeOp[] = [];
    const again: TreeOp[] = [];
    for (const env of envs) {
      if (to.has(env)) {
        again.push(env.op);
        continue;
      }
      to.store(env);
      to.hlc.observe(env.op.hlc);
      fresh.push(env.op);
    }
    const report = timed(() => to.tree.applyBatch(fresh));
    stats.misfiled += report.stale + report.duplicates;
    stats.applied += report.added;
    stats.redone += report.redone;
    // A store that hands over what it already handed (after a restart, say): must change nothing.
    if (again.length > 0 && random() < 0.2) stats.readded += timed(() => to.tree.applyBatch(again)).added;
    stats.peakLog = Math.max(stats.peakLog, to.tree.logLength);
  };

  const send = (from: SimRegion, to: SimRegion, deliver: () => void): void => {
    from.links.sendDatagram(to.id, deliver);
    if (random() * 100 < duplicatePercent) {
      stats.duplicateFrames++;
      clock.setTimeout(() => from.links.sendDatagram(to.id, deliver), random() * 500);
    }
  };

  const emit = (region: SimRegion, op: TreeOp): void => {
    const env: Envelope = { origin: region.id, seq: ++region.ownSeq, op };
    region.store(env);
    ops.push(op);
    const report = timed(() => region.tree.apply(op));
    stats.applied += report.added;
    stats.peakLog = Math.max(stats.peakLog, region.tree.logLength);
    for (const peer of regions) if (peer !== region) send(region, peer, () => receive(peer, region, [env]));
  };

  const antiEntropy = (region: SimRegion): void => {
    const others = regions.filter((r) => r !== region);
    const peer = others[Math.floor(random() * others.length)]!;
    const digest = new Map(region.contiguous);
    send(region, peer, () => {
      if (!peer.links.allowsInbound(region.id)) return;
      const missing = peer.missingFor(digest);
      if (missing.length > 0) send(peer, region, () => receive(region, peer, missing));
    });
  };

  /**
   * What the caller computes from watermarks: every op of an origin up to the seq that every
   * region holds is seen by all, and an origin's later ops are stamped after those. When every
   * region holds all of an origin's ops, its clock bounds what it will stamp next.
   */
  const stablePoint = (): Hlc | null => {
    let stable: Hlc | null = null;
    for (const origin of regions) {
      const everywhere = Math.min(...regions.map((r) => r.contiguous.get(origin.id) ?? 0));
      let bound: Hlc;
      if (everywhere === origin.ownSeq) bound = origin.hlc.now();
      else if (everywhere === 0) return null;
      else bound = origin.opAt(origin.id, everywhere)!.hlc;
      if (stable === null || compareHlc(bound, stable) < 0) stable = bound;
    }
    return stable;
  };

  const compact = (region: SimRegion, stable: Hlc): void => {
    stats.compacted += timed(() => region.tree.compact(stable));
    stats.peakLogAfterCompaction = Math.max(stats.peakLogAfterCompaction, region.tree.logLength);
  };

  let running = true;
  const every = (ms: number, fn: () => void): void => {
    const tick = () => {
      if (!running) return;
      fn();
      clock.setTimeout(tick, ms * (0.5 + random()));
    };
    clock.setTimeout(tick, ms * random());
  };
  for (const region of regions) every(antiEntropyMs, () => antiEntropy(region));
  every(compactEveryMs, () => {
    const stable = stablePoint();
    if (!stable) return;
    // Each region compacts on its own schedule; some skip a round and lag behind.
    for (const region of regions) if (random() < 0.6) compact(region, stable);
  });
  // One partition at a time, and at least a second and a half of calm after each, in which
  // anti-entropy catches up and the stable point moves on.
  let calmUntil = clock.now();
  every(1_000, () => {
    if (clock.now() < calmUntil || random() < 0.3) return;
    const side = new Map(regions.map((r) => [r.id, random() < 0.5]));
    if (new Set(side.values()).size < 2) side.set(ids[0]!, !side.get(ids[0]!));
    for (const region of regions) {
      region.links.setFaults({ partitionedFrom: ids.filter((peer) => side.get(peer) !== side.get(region.id)) });
    }
    stats.partitions++;
    const lasts = 200 + random() * (maxPartitionMs - 200);
    calmUntil = clock.now() + lasts + CALM_MS;
    clock.setTimeout(() => {
      for (const region of regions) region.links.setFaults({ partitionedFrom: [] });
    }, lasts);
  });

  for (let i = 0; i < options.ops; i++) {
    const region = regions[Math.floor(random() * regions.length)]!;
    emit(region, makeOp(region, random, world));
    clock.advance(opIntervalMs);
  }

  // Heal: no more faults or loss, let anti-entropy deliver everything.
  running = false;
  for (const region of regions) {
    region.links.clearFaults();
    region.links.setFaults({ lossPercent: 0 });
  }
  const complete = () => regions.every((r) => regions.every((o) => (r.contiguous.get(o.id) ?? 0) === o.ownSeq));
  const rounds = () => {
    for (const region of regions) antiEntropy(region);
    clock.advance(1_000);
  };
  for (let i = 0; i < 200 && !complete(); i++) rounds();
  const converged = complete();
  const stable = stablePoint();
  if (stable) for (const region of regions) compact(region, stable);
  clock.advance(5_000);

  return {
    replicas: regions.map((r) => ({ region: r.id, tree: r.tree })),
    ops,
    created: world.created,
    converged,
    stats,
    realMs: performance.now() - started,
    fakeMs: clock.now() - start,
  };
}

/** One op as the local API would make it from this region's view. */
function makeOp(region: SimRegion, random: Random, world: World): TreeOp {
  const tree = region.tree;
  const stamp = { hlc: region.hlc.now(), origin: region.id };
  const { created, hot } = world;
  const pick = (accept: (item: TreeItem) => boolean, among: readonly ItemId[] = created): TreeItem | undefined => {
    for (let tries = 0; tries < 12 && among.length > 0; tries++) {
      const item = tree.item(among[Math.floor(random() * among.length)]!);
      if (item && accept(item)) return item;
    }
    return undefined;
  };
  const visible = (item: TreeItem) => tree.place(item.id) === 'root';
  const notHot = (item: TreeItem) => !world.hotSet.has(item.id);
  const folder = (): ItemId => {
    if (random() < 0.2) return tree.rootId;
    return pick((item) => item.kind === 'folder' && visible(item))?.id ?? tree.rootId;
  };
  const freeName = (name: string, kind: ItemKind, parentId: ItemId, exceptId?: ItemId): string => {
    const taken = takenNames(tree.children(parentId), exceptId);
    return pickAvailableName(name, kind, (candidate) => isNameTaken(taken, candidate));
  };
  const anyName = () => NAMES[Math.floor(random() * NAMES.length)]!;
  const create = (kind: ItemKind, parentId: ItemId): TreeOp => {
    const id = region.newItemId();
    created.push(id);
    return createOp(stamp, { id, kind, name: freeName(anyName(), kind, parentId) }, parentId);
  };

  if (hot.length < HOT_FOLDERS) {
    const op = create('folder', tree.rootId);
    hot.push(op.itemId);
    world.hotSet.add(op.itemId);
    return op;
  }
  const roll = random();
  if (roll < 0.12) {
    // Regions keep rearranging the same few folders, so that concurrent moves cross
    // (A into B here while B goes into A there) in most partitions.
    const item = pick(visible, hot);
    const target = random() < 0.3 ? tree.rootId : pick((f) => visible(f), hot)?.id;
    if (item && target && tree.moveRefusal(item.id, target) === null) {
      return moveOp(stamp, item, target, freeName(item.name, item.kind, target, item.id));
    }
  } else if (roll < 0.3) {
    const item = pick(visible);
    const target = folder();
    // The API refuses a move into the item's own subtree; a few slip through to test the rule.
    if (item && (tree.moveRefusal(item.id, target) === null || random() < 0.1)) {
      return moveOp(stamp, item, target, freeName(item.name, item.kind, target, item.id));
    }
  } else if (roll < 0.42) {
    const item = pick(visible);
    if (item) return renameOp(stamp, item, freeName(anyName(), item.kind, item.parentId!, item.id));
  } else if (roll < 0.52) {
    const item = pick((i) => visible(i) && notHot(i));
    if (item) return trashOp(stamp, item, tree.trashId);
  } else if (roll < 0.57) {
    const item = pick((i) => i.parentId === tree.trashId);
    if (item) {
      const back = item.previousParentId;
      const target = back !== null && tree.item(back)?.kind === 'folder' && tree.place(back) === 'root' ? back : tree.rootId;
      return moveOp(stamp, item, target, freeName(item.name, item.kind, target, item.id));
    }
  } else if (roll < 0.62) {
    const item = pick((i) => i.parentId === tree.trashId && notHot(i));
    if (item) return purgeOp(stamp, item);
  }
  return create(random() < 0.4 ? 'folder' : 'file', folder());
}
