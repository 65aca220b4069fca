import { describe, expect, it } from 'vitest';
import { placeReplicas } from '../replication/placement';
import { displacedCopyVerdict, mayDropCopy, type HolderAnswer } from './moveRule';

const three = ['asia', 'eu-west', 'us-east'];
const four = [...three, 'sa-east'];
const ids = Array.from({ length: 400 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

describe('which copies move, and when an old holder may drop one', () => {
  it('a fourth node displaces exactly one old holder of each file it wins, and nothing else', () => {
    let moved = 0;
    for (const fileId of ids) {
      const before = placeReplicas(fileId, three, 3);
      const after = placeReplicas(fileId, four, 3);
      const displaced = before.filter((node) => displacedCopyVerdict({ self: node, holders: after, storedOn: () => true, replicas: 3 }) !== 'keep');
      expect(displaced.length).toBe(after.includes('sa-east') ? 1 : 0);
      moved += displaced.length;
    }
    expect(moved / ids.length).toBeGreaterThan(0.7);
  });

  it('waits until every new holder stores the file; never drops below the replica count', () => {
    const holders = ['eu-west', 'sa-east', 'us-east'];
    const stored = new Set(['eu-west', 'us-east']);
    const verdict = () => displacedCopyVerdict({ self: 'asia', holders, storedOn: (node) => stored.has(node), replicas: 3 });
    expect(verdict()).toBe('wait');
    stored.add('sa-east');
    expect(verdict()).toBe('ready');
    expect(displacedCopyVerdict({ self: 'eu-west', holders, storedOn: () => false, replicas: 3 })).toBe('keep');
    // Two active nodes for three copies (after a decommission): the extra copy stays.
    expect(displacedCopyVerdict({ self: 'asia', holders: ['eu-west', 'us-east'], storedOn: () => true, replicas: 3 })).toBe('wait');
  });

  it('drops only on every holder’s own word, under the same layout version', () => {
    const holders = ['eu-west', 'sa-east', 'us-east'];
    const answers = (entries: Array<[string, HolderAnswer | undefined]>) => new Map(entries);
    const yes = { version: 2, stored: true };
    expect(mayDropCopy({ holders, version: 2, replicas: 3, answers: answers(holders.map((h) => [h, yes])) })).toBe(true);
    expect(mayDropCopy({ holders, version: 2, replicas: 3, answers: answers([['eu-west', yes], ['sa-east', yes]]) })).toBe(false);
    expect(mayDropCopy({ holders, version: 2, replicas: 3, answers: answers([['eu-west', yes], ['sa-east', { version: 2, stored: false }], ['us-east', yes]]) })).toBe(false);
    // A holder on another version may be moving its own copy away: not enough.
    expect(mayDropCopy({ holders, version: 2, replicas: 3, answers: answers([['eu-west', yes], ['sa-east', { version: 3, stored: true }], ['us-east', yes]]) })).toBe(false);
    expect(mayDropCopy({ holders: ['eu-west', 'us-east'], version: 2, replicas: 3, answers: answers([['eu-west', yes], ['us-east', yes]]) })).toBe(false);
  });
});
