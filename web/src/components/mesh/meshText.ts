/**
 * What the map and the cards say about links and nodes, in colour and in words: a state is
 * never shown by colour alone (the legend, labels and cards carry the text).
 */
import type { LinkState, LinkView, MeshSnapshot, NodeState, NodeView } from '../../api/mesh';

/** Colours chosen to stay distinguishable for the common colour-vision deficiencies. */
export const LINK_COLOURS: Readonly<Record<LinkState, string>> = { up: '#1a7f37', degraded: '#b35900', down: '#cf222e' };
export const LINK_DASH: Readonly<Record<LinkState, string>> = { up: 'none', degraded: '8 5', down: '2 6' };
export const NODE_COLOURS: Readonly<Record<NodeState, string>> = { alive: '#1a7f37', suspect: '#b35900', dead: '#cf222e', left: '#57606a' };

const LINK_WORDS: Readonly<Record<LinkState, string>> = { up: 'up', degraded: 'degraded', down: 'down' };
const NODE_WORDS: Readonly<Record<NodeState, string>> = { alive: 'alive', suspect: 'suspect', dead: 'failed (dead)', left: 'stopped (left)' };

export function nodeStateText(state: NodeState): string {
  return NODE_WORDS[state];
}

const LAYOUT_WORDS: Readonly<Record<NonNullable<NodeView['layoutState']>, string | null>> = {
  active: null,
  joining: 'joined, waiting to be added',
  draining: 'draining',
  removed: 'removed',
  decommissioned: 'decommissioned',
};

/** Its place in the cluster layout in words, or null when there is nothing to say (active). */
export function layoutStateText(state: NodeView['layoutState']): string | null {
  return state ? LAYOUT_WORDS[state] : null;
}

/** Data moving after a layout change, or null once nothing moves. */
export function rebalanceText(rebalance: NodeView['rebalance']): string | null {
  if (!rebalance || (rebalance.toMove === 0 && rebalance.ratePerSecond === 0)) return null;
  const rate = rebalance.ratePerSecond < 10 ? rebalance.ratePerSecond.toFixed(1) : String(Math.round(rebalance.ratePerSecond));
  return `${rebalance.toMove} to move, ${rebalance.moved} moved, ${rate} files/s`;
}

export function rttText(rttMs: number | null): string {
  if (rttMs === null) return 'RTT unknown';
  return `${rttMs < 10 ? rttMs.toFixed(1) : Math.round(rttMs)} ms`;
}

export interface LinkPresentation {
  key: string;
  a: string;
  b: string;
  state: LinkState;
  colour: string;
  dash: string;
  /** Short label drawn on the arc. */
  label: string;
  /** Full sentence for the text list and the SVG description. */
  description: string;
}

export function presentLink(link: LinkView, labelOf: (id: string) => string): LinkPresentation {
  const parts = [`${labelOf(link.a)} ↔ ${labelOf(link.b)}: ${LINK_WORDS[link.state]}`];
  if (link.state !== 'down') parts.push(`round trip ${rttText(link.rttMs)}`);
  if (link.lossPercent > 0) parts.push(`${link.lossPercent} % loss`);
  return {
    key: linkKey(link.a, link.b),
    a: link.a,
    b: link.b,
    state: link.state,
    colour: LINK_COLOURS[link.state],
    dash: LINK_DASH[link.state],
    label: link.state === 'down' ? 'down' : rttText(link.rttMs),
    description: parts.join(', '),
  };
}

export function presentLinks(snapshot: MeshSnapshot): LinkPresentation[] {
  const labels = new Map(snapshot.nodes.map((n) => [n.id, n.label]));
  return snapshot.links.map((l) => presentLink(l, (id) => labels.get(id) ?? id));
}

/** Order-independent: activity from b to a travels the same link as from a to b. */
export function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** One sentence for the whole mesh, used as the SVG's <desc>. */
export function describeMesh(snapshot: MeshSnapshot): string {
  const nodes = snapshot.nodes.map((n: NodeView) => `${n.label} is ${nodeStateText(n.state)}`).join('; ');
  const links = presentLinks(snapshot)
    .map((l) => l.description)
    .join('; ');
  return `${nodes}. Links: ${links}.`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
