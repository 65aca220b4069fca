import type { Digest, MemberState, NodeId } from '../gossip/frames';
import type { LinkFaults, LinkProfile } from '../transport/linkSimulator';
import type { IndexHealth } from '../index/indexCommitter';
import type { EventLoopDelay } from '../runtime/eventLoopMonitor';
import type { LayoutNodeState, RebalanceSummary } from './layout';

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
  index: {
    digest: Digest;
    size: number;
    tombstones: number;
    version: number;
    /** Whether the index takes writes; not while the disk is full or failing (answers are 507 then). */
    health: IndexHealth;
    /** Group commits so far: batches (one transaction and fsync each) and the changes in them. */
    commits: { batches: number; changes: number; failedBatches: number };
  };
  storage: {
    /** Logical bytes of the files this node holds a stored replica of. */
    bytesStored: number;
    replicas: { stored: number; pending: number; corrupt: number };
    repair: { sweeps: number; pulled: number; removed: number; orphansRemoved: number; failedPulls: number; linked: number };
    scrub: { passes: number; checked: number; corruptFound: number; bytesRead: number };
    /** Data moving after a layout change (DESIGN §12): what is left to move here, what moved, how fast. */
    rebalance: RebalanceSummary;
  };
  /** The tree's op log: entries kept for late ops, and compaction up to what every member has seen. */
  tree: { logEntries: number; compactions: number; compacted: number; retired: number; stable: { wall: number; counter: number; node: string } | null };
  /** The trash's purge and version thinning done by this node (as the owner of those users). */
  housekeeping: { runs: number; trashPurged: number; versionsThinned: number };
  gossip: { malformedFrames: number };
  /** SWIM's view of its own health (Lifeguard) and of the peers' clocks. */
  membership: {
    /** 0 is healthy; this node's probe timeouts and period are stretched by score + 1. */
    localHealth: { score: number; maxMultiplier: number };
    /**
     * Peers whose clock, measured at our last gossip handshake to them, is off ours by more than
     * `warnAboveMs`. Signatures allow ±`signatureWindowMs`: past that the peer is cut off.
     */
    clockSkew: { warnAboveMs: number; signatureWindowMs: number; skewedPeers: NodeId[] };
  };
  /**
   * The cluster layout this node follows (DESIGN §12): its version, this node's state in it
   * (null: in no layout yet, a node that joined by address and waits to be added), and the
   * join rounds it made.
   */
  layout: { version: number; state: LayoutNodeState | null; joining: { rounds: number; answered: number; failed: number } };
  /** How late this node's event loop ran over the last window (a stall makes peers suspect it). */
  eventLoop: EventLoopDelay;
  /**
   * Encryption at rest (README): the master key new blobs are wrapped under, the key ids this
   * node's blobs may still use (one once a rotation is done), and the background pass that
   * encrypts blobs from before encryption and re-wraps data keys after a rotation.
   */
  encryption?: {
    enabled: boolean;
    currentKeyId: string;
    keyIdsInUse: string[];
    background: {
      passes: number;
      looked: number;
      converted: number;
      bytes: number;
      rewrapped: number;
      failed: number;
      done: boolean;
      /** Inline files (kept in the index): sealed and re-wrapped by this node, and those it waits for from their owner. */
      inline: { looked: number; sealed: number; rewrapped: number; waiting: number };
    };
  };
}

export interface MemberStatus {
  id: NodeId;
  state: MemberState;
  incarnation: number;
  /** Smoothed round trip measured by SWIM probes; null until the first ack. */
  rttMs: number | null;
  /** How far its clock is ahead of ours (ms, negative: behind), from our last handshake to it; null for self or until measured. */
  clockSkewMs: number | null;
  stateSince: string;
}
