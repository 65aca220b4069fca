import type { MemberState, NodeId } from '../gossip/frames';
import type { LinkFaults } from '../transport/linkSimulator';
import type { NodeStatus } from './status';

/**
 * WS /v1/events: what a node tells the gateway as it happens, for the live topology. A
 * `snapshot` comes first on every connection; the rest are deltas. Told apart by `type`.
 */
export type NodeEvent =
  | { type: 'snapshot'; node: NodeId; at: string; status: NodeStatus }
  | {
      type: 'member';
      node: NodeId;
      at: string;
      peer: NodeId;
      from: MemberState | null;
      to: MemberState;
      incarnation: number;
    }
  | { type: 'rtt'; node: NodeId; at: string; peer: NodeId; rttMs: number }
  | {
      type: 'gossip';
      node: NodeId;
      at: string;
      peer: NodeId;
      kind: 'push' | 'digest' | 'delta';
      direction: 'in' | 'out';
      facts: number;
    }
  | {
      type: 'index';
      node: NodeId;
      at: string;
      version: number;
      size: number;
      /** Keys whose winning value just changed (at most MAX_CHANGED_KEYS_PER_EVENT). */
      keys: string[];
    }
  | { type: 'faults'; node: NodeId; at: string; faults: LinkFaults }
  | {
      type: 'replication';
      node: NodeId;
      at: string;
      /** Bytes moved from → to: the primary to a replica, or a repair source to this node. */
      from: NodeId;
      to: NodeId;
      action: 'upload' | 'repair' | 'remove';
      fileId: string;
      bytes: number;
    };

export type NodeEventType = NodeEvent['type'];

export const MAX_CHANGED_KEYS_PER_EVENT = 50;
