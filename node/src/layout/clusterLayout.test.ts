import { describe, expect, it } from 'vitest';
import type { NodeAddress } from '../api/layout';
import { applyLayoutChanges, memberNodes, newerLayout, placementNodes, seedLayout } from './clusterLayout';

const at = (id: string, port: number): NodeAddress => ({ id, label: id, region: id, lat: 0, lon: 0, host: '127.0.0.1', port });
const v1 = seedLayout([at('us-east', 7101), at('eu-west', 7102), at('asia', 7103)]);
const sa = at('sa-east', 7104);

describe('cluster layout rules', () => {
  it('seeds version 1 with every founding node active, in id order', () => {
    expect(v1.version).toBe(1);
    expect(v1.nodes.map((n) => [n.id, n.state])).toEqual([['asia', 'active'], ['eu-west', 'active'], ['us-east', 'active']]);
  });

  it('applies only version current + 1 (like garage layout apply --version)', () => {
    for (const version of [1, 3, 0]) {
      const verdict = applyLayoutChanges(v1, version, [{ op: 'add', node: sa }], 3);
      expect(verdict).toMatchObject({ ok: false, code: 'conflict' });
    }
    const verdict = applyLayoutChanges(v1, 2, [{ op: 'add', node: sa }], 3);
    expect(verdict.ok && verdict.layout.version).toBe(2);
    expect(verdict.ok && placementNodes(verdict.layout)).toEqual(['asia', 'eu-west', 'sa-east', 'us-east']);
  });

  it('drain → remove; a draining node leaves placement but stays a member until removed', () => {
    const v2 = applyLayoutChanges(v1, 2, [{ op: 'add', node: sa }], 3);
    if (!v2.ok) throw new Error(v2.message);
    const v3 = applyLayoutChanges(v2.layout, 3, [{ op: 'drain', id: 'sa-east' }], 3);
    if (!v3.ok) throw new Error(v3.message);
    expect(placementNodes(v3.layout)).not.toContain('sa-east');
    expect(memberNodes(v3.layout)).toContain('sa-east');
    const v4 = applyLayoutChanges(v3.layout, 4, [{ op: 'remove', id: 'sa-east' }], 3);
    if (!v4.ok) throw new Error(v4.message);
    expect(memberNodes(v4.layout)).not.toContain('sa-east');
    // A removed node comes back with add.
    expect(applyLayoutChanges(v4.layout, 5, [{ op: 'add', node: sa }], 3).ok).toBe(true);
  });

  it('refuses what the rules forbid', () => {
    const refused = (changes: Parameters<typeof applyLayoutChanges>[2]) => applyLayoutChanges(v1, 2, changes, 3);
    // Remove straight from active: drain first.
    expect(refused([{ op: 'remove', id: 'asia' }])).toMatchObject({ ok: false, message: expect.stringMatching(/drain|draining/) });
    // Draining below the replica count.
    expect(refused([{ op: 'drain', id: 'asia' }])).toMatchObject({ ok: false, message: expect.stringMatching(/2 active node/) });
    expect(refused([{ op: 'drain', id: 'mars' }])).toMatchObject({ ok: false, message: expect.stringMatching(/not in the layout/) });
    expect(refused([{ op: 'add', node: at('asia', 7999) }])).toMatchObject({ ok: false, message: expect.stringMatching(/already in the layout/) });
    expect(refused([{ op: 'add', node: at('sa-east', 7103) }])).toMatchObject({ ok: false, message: expect.stringMatching(/asia already listens/) });
    expect(refused([{ op: 'add', node: sa }, { op: 'drain', id: 'sa-east' }])).toMatchObject({ ok: false, message: expect.stringMatching(/twice/) });
    // Decommission may leave fewer active nodes than copies: the node is gone anyway.
    expect(refused([{ op: 'decommission', id: 'asia' }]).ok).toBe(true);
  });

  it('the highest version wins, whichever is seen first', () => {
    const v2 = applyLayoutChanges(v1, 2, [{ op: 'add', node: sa }], 3);
    if (!v2.ok) throw new Error(v2.message);
    expect(newerLayout(v1, v2.layout)).toBe(v2.layout);
    expect(newerLayout(v2.layout, v1)).toBe(v2.layout);
  });
});
