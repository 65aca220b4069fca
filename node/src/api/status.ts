import type { Digest, MemberState, NodeId } from '../gossip/frames';
import type { LinkFaults, LinkProfile } from '../transport/linkSimulator';

/** GET /v1/status: one node's view of the mesh. Read by the gateway and the tests. */
export interface NodeStatus {
  id: NodeId;
  label: string;
  region: string;
  lat: number;
  lon: number;
  profile: string;
  incarnation: number;
  startedAt: string;
  members: MemberStatus[];
  /** The simulated link to each peer as configured, with injected faults applied. */
  links: Record<NodeId, LinkProfile & { cut: boolean; connected: boolean }>;
  faults: LinkFaults;
  index: { digest: Digest; size: number; tombstones: number; version: number };
  storage: {
    /** Logical bytes of the files this node holds a stored replica of. */
    bytesStored: number;
    replicas: { stored: number; pending: number; corrupt: number };
    repair: { sweeps: number; pulled: number; removed: number; orphansRemoved: number; failedPulls: number };
    scrub: { passes: number; checked: number; corruptFound: number; bytesRead: number };
  };
  gossip: { malformedFrames: number };
}

export interface MemberStatus {
  id: NodeId;
  state: MemberState;
  incarnation: number;
  /** Smoothed round trip measured by SWIM probes; null until the first ack. */
  rttMs: number | null;
  stateSince: string;
}
