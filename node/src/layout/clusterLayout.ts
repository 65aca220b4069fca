import type { NodeId } from '../gossip/frames';
import type { ClusterLayout, LayoutChange, LayoutNode, LayoutNodeState, NodeAddress } from '../api/layout';

/**
 * The cluster layout's rules, pure (DESIGN §12). Each version is kept in the index under its
 * own key (layoutKeys.ts), so the highest version wins whatever the clocks say; an admin makes
 * version N+1 from version N, and the change is checked here before it is written.
 */

/** Before any layout is known (a node that joins by address): nothing to place on. */
export const EMPTY_LAYOUT: ClusterLayout = Object.freeze({ version: 0, nodes: [] }) as ClusterLayout;

/** Version 1 of a cluster that predates layouts: every founding node of config/nodes, active. */
export function seedLayout(nodes: readonly NodeAddress[]): ClusterLayout {
  return { version: 1, nodes: [...nodes].sort(byId).map((node) => ({ ...node, state: 'active' as const })) };
}

/** The newer of two layouts: the higher version (equal versions are one index key, so one value). */
export function newerLayout(a: ClusterLayout, b: ClusterLayout): ClusterLayout {
  return b.version > a.version ? b : a;
}

/** Nodes placement chooses from: the active ones, in a fixed order. */
export function placementNodes(layout: ClusterLayout): NodeId[] {
  return idsIn(layout, ['active']);
}

/**
 * Nodes that are part of the cluster: they hold or hand over data, and a tombstone is
 * collected only once all of them have seen it. Removed and decommissioned ones are not.
 */
export function memberNodes(layout: ClusterLayout): NodeId[] {
  return idsIn(layout, ['active', 'draining']);
}

export function layoutNode(layout: ClusterLayout, id: NodeId): LayoutNode | undefined {
  return layout.nodes.find((node) => node.id === id);
}

export type LayoutVerdict = { ok: true; layout: ClusterLayout } | { ok: false; code: 'conflict' | 'invalid_request'; message: string };

/**
 * Version `version` made of `current` and `changes`, or why not. What needs the live cluster
 * (is the node dead, has it handed everything over) is checked by the caller (layoutAdmin.ts).
 */
export function applyLayoutChanges(current: ClusterLayout, version: number, changes: readonly LayoutChange[], replicas: number): LayoutVerdict {
  if (version !== current.version + 1) {
    return { ok: false, code: 'conflict', message: `The layout is at version ${current.version}: apply version ${current.version + 1} (asked for ${version}).` };
  }
  const nodes = new Map(current.nodes.map((node) => [node.id, { ...node }]));
  const touched = new Set<NodeId>();
  for (const change of changes) {
    const id = change.op === 'add' ? change.node.id : change.id;
    if (touched.has(id)) return refuse(`Node ${id} is changed twice in one version.`);
    touched.add(id);
    const node = nodes.get(id);
    if (change.op === 'add') {
      if (node && (node.state === 'active' || node.state === 'draining')) return refuse(`Node ${id} is already in the layout (${node.state}).`);
      const clash = [...nodes.values()].find((other) => other.id !== id && isMember(other.state) && other.host === change.node.host && other.port === change.node.port);
      if (clash) return refuse(`Node ${clash.id} already listens on ${change.node.host}:${change.node.port}.`);
      nodes.set(id, { ...change.node, state: 'active' });
      continue;
    }
    if (!node) return refuse(`Node ${id} is not in the layout.`);
    const next = TRANSITIONS[change.op];
    if (!next.from.includes(node.state)) {
      return refuse(`Node ${id} is ${node.state}: ${change.op} applies to ${next.from.join(' or ')} nodes.`);
    }
    node.state = next.to;
  }
  const layout: ClusterLayout = { version, nodes: [...nodes.values()].sort(byId) };
  const active = placementNodes(layout).length;
  const drains = changes.some((change) => change.op === 'drain');
  // A decommission may leave too few (the node is dead anyway); a drain must leave enough
  // nodes to take every copy it hands over.
  if (drains && active < replicas) {
    return refuse(`Draining would leave ${active} active node(s) for ${replicas} copies of every file.`);
  }
  if (active === 0) return refuse('A layout needs at least one active node.');
  return { ok: true, layout };
}

const TRANSITIONS: Record<Exclude<LayoutChange['op'], 'add'>, { from: LayoutNodeState[]; to: LayoutNodeState }> = {
  drain: { from: ['active'], to: 'draining' },
  activate: { from: ['draining'], to: 'active' },
  remove: { from: ['draining'], to: 'removed' },
  decommission: { from: ['active', 'draining'], to: 'decommissioned' },
};

function isMember(state: LayoutNodeState): boolean {
  return state === 'active' || state === 'draining';
}

function idsIn(layout: ClusterLayout, states: readonly LayoutNodeState[]): NodeId[] {
  return layout.nodes.filter((node) => states.includes(node.state)).map((node) => node.id).sort();
}

function refuse(message: string): LayoutVerdict {
  return { ok: false, code: 'invalid_request', message };
}

function byId(a: { id: NodeId }, b: { id: NodeId }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
