import type { NodeStatus } from '../../../node/src/api/status';
import type { NodeSpec } from '../../../node/src/config/clusterConfig';
import type { LinkView, MeshSnapshot, NodeState, NodeView } from '../api/mesh';

export interface NodeObservation {
  spec: NodeSpec;
  status: NodeStatus | undefined;
  reachable: boolean;
  /** Its state in the cluster layout as the gateway last read it (meshMonitor.ts). */
  layoutState?: NodeView['layoutState'];
  /** Learnt from the layout rather than configured: a home region only once the layout says active. */
  discovered?: boolean;
}

/**
 * Pure: what the dashboard sees, from the last status of each node. A node's state is what
 * its reachable peers say of it (the gateway's own view of a paused node would be too rosy),
 * and dead when the gateway cannot reach it either.
 */
export function buildSnapshot(all: readonly NodeObservation[], at: Date): MeshSnapshot {
  // A node taken out of the layout and stopped is gone from the cluster, not a failure to show.
  const observations = all.filter((o) => o.reachable || (o.layoutState !== 'removed' && o.layoutState !== 'decommissioned'));
  const byId = new Map(observations.map((o) => [o.spec.id, o]));
  const nodes = observations.map((o) => nodeView(o, byId));
  const links: LinkView[] = [];
  const ids = observations.map((o) => o.spec.id).sort();
  for (const a of ids) {
    for (const b of ids) {
      if (a >= b) continue;
      if (!byId.get(a)!.spec.peers.includes(b) && !byId.get(b)!.spec.peers.includes(a)) continue;
      links.push(linkView(byId.get(a)!, byId.get(b)!));
    }
  }
  return { nodes, links, at: at.toISOString() };
}

/**
 * What `observer` holds of `subject`. A paused node stands for a frozen process: one could not
 * answer the gateway at all, so its opinions (which decay as it hears nothing) are not counted.
 */
function peerOpinion(observer: NodeObservation | undefined, subject: string): NodeState | undefined {
  if (!observer?.reachable || !observer.status || observer.status.faults.paused) return undefined;
  return observer.status.members.find((m) => m.id === subject)?.state;
}

function nodeView(o: NodeObservation, byId: ReadonlyMap<string, NodeObservation>): NodeView {
  const { spec, status } = o;
  const opinions = spec.peers.map((peer) => peerOpinion(byId.get(peer), spec.id)).filter((s): s is NodeState => s !== undefined);
  let state: NodeState;
  const saidGoodbye = opinions.length > 0 && opinions.every((s) => s === 'left');
  if (saidGoodbye) state = 'left';
  else if (!o.reachable) state = 'dead';
  else if (status?.faults.paused) state = opinions.includes('alive') ? 'suspect' : 'dead';
  else if (opinions.length > 0 && opinions.every((s) => s === 'dead')) state = 'dead';
  else if (opinions.some((s) => s !== 'alive')) state = 'suspect';
  else state = 'alive';
  const rttMs: Record<string, number | null> = {};
  for (const peer of spec.peers) rttMs[peer] = status?.members.find((m) => m.id === peer)?.rttMs ?? null;
  return {
    id: spec.id,
    label: spec.label,
    region: spec.region,
    state,
    reachable: o.reachable,
    lat: spec.lat,
    lon: spec.lon,
    incarnation: status?.incarnation ?? null,
    rttMs,
    bytesStored: status?.storage.bytesStored ?? 0,
    replicas: status?.storage.replicas ?? { stored: 0, pending: 0, corrupt: 0 },
    indexVersion: status?.index.version ?? 0,
    indexSize: status?.index.size ?? 0,
    faults: status?.faults ?? { partitionedFrom: [], lossPercent: null, paused: false, expiresAt: null },
    updatedAt: status ? new Date().toISOString() : null,
    layoutState: o.layoutState ?? null,
    // Once the layout is known, only an active region is offered: not one joining, draining or gone.
    homeRegion: o.layoutState ? o.layoutState === 'active' : !o.discovered,
    rebalance: rebalanceView(status),
  };
}

/** The card's figures of data moving: null when the node reports none (before any layout change). */
function rebalanceView(status: NodeStatus | undefined): NodeView['rebalance'] {
  // Optional at run time: a node from before layouts has no such figures.
  const rebalance = status?.storage?.rebalance as NodeStatus['storage']['rebalance'] | undefined;
  if (!rebalance) return null;
  return { toMove: rebalance.toMove, moved: rebalance.moved, ratePerSecond: rebalance.ratePerSecond };
}

function linkView(a: NodeObservation, b: NodeObservation): LinkView {
  const aSeesB = peerOpinion(a, b.spec.id);
  const bSeesA = peerOpinion(b, a.spec.id);
  const cut =
    !a.reachable ||
    !b.reachable ||
    a.status?.links[b.spec.id]?.cut === true ||
    b.status?.links[a.spec.id]?.cut === true ||
    aSeesB === 'dead' ||
    bSeesA === 'dead' ||
    aSeesB === 'left' ||
    bSeesA === 'left';
  const rtts = [a.status?.members.find((m) => m.id === b.spec.id)?.rttMs, b.status?.members.find((m) => m.id === a.spec.id)?.rttMs].filter(
    (v): v is number => typeof v === 'number',
  );
  const lossPercent = Math.max(a.status?.links[b.spec.id]?.lossPercent ?? 0, b.status?.links[a.spec.id]?.lossPercent ?? 0);
  const degraded = aSeesB === 'suspect' || bSeesA === 'suspect' || lossPercent > 0;
  return {
    a: a.spec.id,
    b: b.spec.id,
    state: cut ? 'down' : degraded ? 'degraded' : 'up',
    rttMs: rtts.length ? Math.round((rtts.reduce((x, y) => x + y, 0) / rtts.length) * 10) / 10 : null,
    lossPercent,
  };
}
