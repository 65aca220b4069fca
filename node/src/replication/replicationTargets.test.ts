import { describe, expect, it } from 'vitest';
import { partialTargets, uploadTargets, type ReplicationContext } from './replicationContext';

const UPLOAD = '00000000-0000-4000-8000-000000000007';

/** Only what the target choices read: the layout, the mesh's view and the replica count. */
function contextSeeing(opts: { nodes: string[]; alive: string[]; suspect?: string[] }): ReplicationContext {
  return {
    layout: { placementNodes: () => opts.nodes },
    mesh: { liveNodes: () => opts.alive, aliveOrSuspectNodes: () => [...opts.alive, ...(opts.suspect ?? [])], rttMs: () => null },
    settings: { replicas: 3 },
  } as unknown as ReplicationContext;
}

describe('where new bytes go', () => {
  it('a resumable upload keeps a node only suspected as a holder, where a whole file leaves it to repair', () => {
    const ctx = contextSeeing({ nodes: ['us-east', 'eu-west', 'asia'], alive: ['us-east', 'asia'], suspect: ['eu-west'] });
    expect(uploadTargets(ctx, UPLOAD).sort()).toEqual(['asia', 'us-east']);
    expect(partialTargets(ctx, UPLOAD).sort()).toEqual(['asia', 'eu-west', 'us-east']);
  });

  it('takes a suspect only for a place no live node can fill, and never a dead node', () => {
    const four = ['us-east', 'eu-west', 'asia', 'sa-east'];
    // With four nodes, three alive: the placement among them, whatever is suspected.
    const ctx = contextSeeing({ nodes: four, alive: ['us-east', 'asia', 'sa-east'], suspect: ['eu-west'] });
    expect(partialTargets(ctx, UPLOAD).sort()).toEqual(['asia', 'sa-east', 'us-east']);
    // Two alive, two suspected: one suspect fills the third place, the same whatever the order seen.
    const chosen = partialTargets(contextSeeing({ nodes: four, alive: ['us-east', 'asia'], suspect: ['eu-west', 'sa-east'] }), UPLOAD);
    expect(chosen.slice(0, 2).sort()).toEqual(['asia', 'us-east']);
    expect(chosen).toHaveLength(3);
    expect(['eu-west', 'sa-east']).toContain(chosen[2]);
    expect(partialTargets(contextSeeing({ nodes: four, alive: ['asia', 'us-east'], suspect: ['sa-east', 'eu-west'] }), UPLOAD)[2]).toBe(chosen[2]);
    // A node neither alive nor suspected (dead) is left out.
    expect(partialTargets(contextSeeing({ nodes: ['us-east', 'eu-west', 'asia'], alive: ['us-east', 'asia'] }), UPLOAD).sort()).toEqual(['asia', 'us-east']);
  });
});
