import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../../node/src/api/status';
import type { NodeSpec } from '../../../node/src/config/clusterConfig';
import { buildSnapshot, type NodeObservation } from './meshView';

const IDS = ['asia', 'eu-west', 'us-east'];

function observe(id: string, opts: { views: Record<string, NodeStatus['members'][number]['state']>; paused?: boolean; reachable?: boolean }): NodeObservation {
  const peers = IDS.filter((peer) => peer !== id);
  const spec: NodeSpec = { id, label: id, region: id, lat: 0, lon: 0, host: '127.0.0.1', port: 1, peers };
  const status = {
    id,
    incarnation: 1,
    members: peers.map((peer) => ({ id: peer, state: opts.views[peer] ?? 'alive', incarnation: 1, rttMs: 10, stateSince: '2026-01-01T00:00:00Z' })),
    links: Object.fromEntries(peers.map((peer) => [peer, { delayMs: 0, jitterMs: 0, lossPercent: 0, cut: opts.paused ?? false, connected: true }])),
    faults: { partitionedFrom: [], lossPercent: null, paused: opts.paused ?? false },
    index: { digest: {}, size: 0, tombstones: 0, version: 0 },
    storage: { bytesStored: 0, replicas: { stored: 0, pending: 0, corrupt: 0 } },
  } as unknown as NodeStatus;
  return { spec, status, reachable: opts.reachable ?? true };
}

const stateOf = (snapshot: ReturnType<typeof buildSnapshot>, id: string) => snapshot.nodes.find((n) => n.id === id)!.state;

describe('buildSnapshot', () => {
  it('takes a node’s state from what its peers hold of it', () => {
    const snapshot = buildSnapshot(
      [observe('asia', { views: {} }), observe('eu-west', { views: { 'us-east': 'suspect' } }), observe('us-east', { views: {} })],
      new Date(),
    );
    expect(stateOf(snapshot, 'us-east')).toBe('suspect');
    expect(stateOf(snapshot, 'asia')).toBe('alive');
  });

  it('shows a node that said goodbye as left, not dead, with its links down', () => {
    const snapshot = buildSnapshot(
      [
        observe('asia', { views: { 'us-east': 'left' } }),
        observe('eu-west', { views: { 'us-east': 'left' } }),
        observe('us-east', { views: {}, reachable: false }),
      ],
      new Date(),
    );
    expect(stateOf(snapshot, 'us-east')).toBe('left');
    expect(snapshot.links.filter((l) => l.a === 'us-east' || l.b === 'us-east').map((l) => l.state)).toEqual(['down', 'down']);
  });

  it('does not count the opinions of a paused node, which hears nothing, about the others', () => {
    // Paused asia has long given up on everyone; its peers have declared it dead.
    const snapshot = buildSnapshot(
      [
        observe('asia', { views: { 'eu-west': 'dead', 'us-east': 'dead' }, paused: true }),
        observe('eu-west', { views: { asia: 'dead' } }),
        observe('us-east', { views: { asia: 'dead' } }),
      ],
      new Date(),
    );
    expect(stateOf(snapshot, 'us-east')).toBe('alive');
    expect(stateOf(snapshot, 'eu-west')).toBe('alive');
    expect(stateOf(snapshot, 'asia')).toBe('dead');
    expect(snapshot.links.filter((l) => l.state === 'down').map((l) => [l.a, l.b])).toEqual([
      ['asia', 'eu-west'],
      ['asia', 'us-east'],
    ]);
  });

  it('shows a node out of the layout only while it still answers', () => {
    const gone = { ...observe('asia', { views: {}, reachable: false }), layoutState: 'removed' as const };
    const running = { ...observe('asia', { views: {} }), layoutState: 'decommissioned' as const };
    const others = [observe('eu-west', { views: {} }), observe('us-east', { views: {} })];
    expect(buildSnapshot([gone, ...others], new Date()).nodes.map((n) => n.id)).toEqual(['eu-west', 'us-east']);
    const snapshot = buildSnapshot([running, ...others], new Date());
    expect(snapshot.nodes.find((n) => n.id === 'asia')?.layoutState).toBe('decommissioned');
  });

  it('offers as home regions the active regions of the layout, one that joined live included, and no other', () => {
    const home = (observations: NodeObservation[]) => buildSnapshot(observations, new Date()).nodes.filter((n) => n.homeRegion).map((n) => n.id);
    const configured = [observe('eu-west', { views: {} }), observe('us-east', { views: {} })];
    // Before the layout is read, the configured nodes are the choice.
    expect(home(configured)).toEqual(['eu-west', 'us-east']);
    const joined = (layoutState: NonNullable<NodeObservation['layoutState']>) => ({ ...observe('sa-east', { views: {} }), discovered: true, layoutState });
    const active = configured.map((o) => ({ ...o, layoutState: 'active' as const }));
    expect(home([...active, joined('joining')])).toEqual(['eu-west', 'us-east']);
    expect(home([...active, joined('active')])).toEqual(['eu-west', 'us-east', 'sa-east']);
    expect(home([{ ...active[0]!, layoutState: 'draining' }, active[1]!, joined('active')])).toEqual(['us-east', 'sa-east']);
  });
});
