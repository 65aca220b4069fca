import { describe, expect, it } from 'vitest';
import { placeReplicas } from './placement';

const ids = Array.from({ length: 2000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

describe('rendezvous placement', () => {
  it('puts every file on all three nodes of a three-node mesh, whatever the order given', () => {
    for (const id of ids.slice(0, 50)) {
      expect(placeReplicas(id, ['us-east', 'eu-west', 'asia'], 3).sort()).toEqual(['asia', 'eu-west', 'us-east']);
      expect(placeReplicas(id, ['asia', 'us-east', 'eu-west'], 2)).toEqual(placeReplicas(id, ['us-east', 'eu-west', 'asia'], 2));
    }
  });

  it('a fourth node takes about a quarter of the placements and moves nothing else', () => {
    const three = ['us-east', 'eu-west', 'asia'];
    const four = [...three, 'sa-east'];
    let onNewNode = 0;
    for (const id of ids) {
      const before = placeReplicas(id, three, 3);
      const after = placeReplicas(id, four, 3);
      if (after.includes('sa-east')) {
        onNewNode++;
        // Exactly one old holder gives way; the other two keep it.
        expect(after.filter((n) => before.includes(n))).toHaveLength(2);
      } else {
        expect(after.sort()).toEqual(before.sort());
      }
    }
    // 3 of 4 nodes hold each file, so the new node should win ~75 % of files.
    expect(onNewNode / ids.length).toBeGreaterThan(0.7);
    expect(onNewNode / ids.length).toBeLessThan(0.8);
  });

  it('spreads the first choice evenly', () => {
    const counts: Record<string, number> = {};
    for (const id of ids) {
      const first = placeReplicas(id, ['a', 'b', 'c', 'd'], 1)[0]!;
      counts[first] = (counts[first] ?? 0) + 1;
    }
    for (const count of Object.values(counts)) expect(count / ids.length).toBeGreaterThan(0.2);
  });
});
