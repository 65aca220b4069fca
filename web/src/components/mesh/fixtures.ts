/** A three-region snapshot for the mesh component tests, shaped like GET /api/nodes. */
import type { LinkView, MeshSnapshot, NodeState, NodeView } from '../../api/mesh';

const PLACES = {
  'us-east': { label: 'US East (N. Virginia)', lat: 38.95, lon: -77.45 },
  'eu-west': { label: 'EU West (Dublin)', lat: 53.35, lon: -6.26 },
  asia: { label: 'Asia (Tokyo)', lat: 35.68, lon: 139.69 },
} as const;

export type NodeId = keyof typeof PLACES;

export function nodeView(id: NodeId, state: NodeState = 'alive', extra: Partial<NodeView> = {}): NodeView {
  const others = (Object.keys(PLACES) as NodeId[]).filter((p) => p !== id);
  return {
    id,
    region: id,
    ...PLACES[id],
    state,
    reachable: true,
    incarnation: 1,
    rttMs: Object.fromEntries(others.map((p) => [p, 80])),
    bytesStored: 2048,
    replicas: { stored: 3, pending: 1, corrupt: 0 },
    indexVersion: 7,
    indexSize: 4,
    faults: { partitionedFrom: [], lossPercent: null, paused: false, expiresAt: null },
    updatedAt: '2026-01-01T00:00:00.000Z',
    layoutState: 'active',
    rebalance: { toMove: 0, moved: 0, ratePerSecond: 0 },
    homeRegion: true,
    ...extra,
  };
}

export function snapshotOf(states: Partial<Record<NodeId, NodeState>> = {}, links: Partial<LinkView>[] = []): MeshSnapshot {
  const base: LinkView[] = [
    { a: 'eu-west', b: 'us-east', state: 'up', rttMs: 81.4, lossPercent: 0 },
    { a: 'asia', b: 'us-east', state: 'up', rttMs: 152, lossPercent: 0 },
    { a: 'asia', b: 'eu-west', state: 'up', rttMs: 231, lossPercent: 0 },
  ];
  return {
    nodes: (Object.keys(PLACES) as NodeId[]).map((id) => nodeView(id, states[id] ?? 'alive')),
    links: base.map((l, i) => ({ ...l, ...links[i] })),
    at: '2026-01-01T00:00:00.000Z',
  };
}
