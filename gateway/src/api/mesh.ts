/**
 * The mesh as the gateway shows it (GET /api/nodes, socket.io namespace /mesh). The dashboard
 * imports these types only.
 */
/** `left`: the node stopped on purpose (SIGTERM) and said so; not a failure. */
export type NodeState = 'alive' | 'suspect' | 'dead' | 'left';

export interface NodeView {
  id: string;
  label: string;
  region: string;
  /** What the mesh thinks of this node: its peers' view, or dead when the gateway cannot reach it. */
  state: NodeState;
  /** Whether the gateway itself can reach the node's API right now. */
  reachable: boolean;
  lat: number;
  lon: number;
  incarnation: number | null;
  rttMs: Record<string, number | null>;
  bytesStored: number;
  replicas: { stored: number; pending: number; corrupt: number };
  indexVersion: number;
  indexSize: number;
  /** Injected faults; `expiresAt` (ms since the epoch) is when the node heals itself. */
  faults: { partitionedFrom: string[]; lossPercent: number | null; paused: boolean; expiresAt: number | null };
  updatedAt: string | null;
  /**
   * Its place in the cluster layout (DESIGN §12): `joining` for a node that joined by address
   * and waits to be added; null when no layout is known yet.
   */
  layoutState: 'active' | 'draining' | 'removed' | 'decommissioned' | 'joining' | null;
  /** Data moving to or from it after a layout change: files still to move, moved, per second. */
  rebalance: { toMove: number; moved: number; ratePerSecond: number } | null;
  /**
   * Whether it can be a user's home region: an active region of the layout, including one that
   * joined live (the gateway routes to it from then on); not one joining, draining or removed.
   */
  homeRegion: boolean;
}

/** GET /api/nodes/access: what the signed-in user may do on the mesh page. */
export interface MeshAccess {
  canInjectFaults: boolean;
  /** Injected faults heal themselves after this long unless a request says otherwise. */
  defaultFaultSeconds: number;
  maxFaultSeconds: number;
}

export type LinkState = 'up' | 'degraded' | 'down';

export interface LinkView {
  a: string;
  b: string;
  state: LinkState;
  /** Round trip measured by SWIM probes (mean of both ends' estimates), null when unknown. */
  rttMs: number | null;
  lossPercent: number;
}

export interface MeshSnapshot {
  nodes: NodeView[];
  links: LinkView[];
  at: string;
}

/** Live events on /mesh: a fresh snapshot after every change, plus activity for animation. */
export type MeshEvent =
  | { type: 'snapshot'; snapshot: MeshSnapshot }
  | { type: 'gossip'; from: string; to: string; kind: 'push' | 'digest' | 'delta'; facts: number; at: string }
  | { type: 'replication'; from: string; to: string; action: string; bytes: number; at: string }
  | { type: 'member'; observer: string; peer: string; from: NodeState | null; to: NodeState; at: string };
