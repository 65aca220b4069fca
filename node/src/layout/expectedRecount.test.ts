import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { IndexValue } from '../index/replicatedIndex';
import type { Counters } from '../store/counters';
import { placeReplicas } from '../replication/placement';
import { fileKey } from '../files/fileKeys';
import { ExpectedRecount } from './expectedRecount';

const USER = '00000000-0000-4000-8000-000000000000';
const ids = Array.from({ length: 1000 }, (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
const entryOf = (fileId: string, inline = false) => ({
  fileId,
  ownerId: USER,
  name: 'f',
  size: 10,
  sha256: 'a'.repeat(64),
  mime: 'application/octet-stream',
  createdAt: new Date(0).toISOString(),
  deleted: false,
  ...(inline ? { inline: true } : {}),
});

function setup() {
  const entries = new Map<string, IndexValue>(ids.map((id, i) => [fileKey(USER, id), entryOf(id, i % 10 === 0) as IndexValue]));
  const values = new Map<string, number>([['replicas.expected', 999_999]]);
  const counters = { get: (name: string) => values.get(name) ?? 0, set: (name: string, value: number) => values.set(name, value) } as unknown as Counters;
  const layout = { version: 2, nodes: ['asia', 'eu-west', 'sa-east', 'us-east'] };
  let chunks = 0;
  let between: (() => void) | undefined;
  const recount = new ExpectedRecount({
    self: 'sa-east',
    replicas: 3,
    layoutVersion: () => layout.version,
    placementNodes: () => layout.nodes,
    counters,
    entries: (prefix, page) => [...entries].filter(([key]) => key.startsWith(prefix) && (!page.after || key > page.after)).sort(([a], [b]) => (a < b ? -1 : 1)).slice(0, page.limit),
    transaction: (fn) => {
      if (chunks++ === 2) between?.();
      return fn();
    },
    filesPerSecond: 1_000_000,
    logger: pino({ level: 'silent' }),
  });
  const truth = () => [...entries.values()].filter((e) => !(e as { inline?: boolean }).inline && placeReplicas((e as { fileId: string }).fileId, layout.nodes, 3).includes('sa-east')).length;
  return { recount, values, entries, truth, setBetween: (fn: () => void) => (between = fn) };
}

describe('recount of expected replicas after a layout change', () => {
  it('counts the blob files placed on this node under the new layout, and records the version', async () => {
    const { recount, values, truth } = setup();
    recount.check();
    await recount.settled();
    expect(values.get('replicas.expected')).toBe(truth());
    expect(values.get('replicas.expectedLayout')).toBe(2);
  });

  it('keeps up with files that come and go while it walks', async () => {
    const { recount, values, entries, truth, setBetween } = setup();
    setBetween(() => {
      // One file already walked goes (the store tells the recount), one not walked yet arrives.
      const walked = [...entries.keys()].sort().slice(0, 512).find((key) => {
        const fileId = key.split('/')[2]!;
        return ids.indexOf(fileId) % 10 !== 0 && placeReplicas(fileId, ['asia', 'eu-west', 'sa-east', 'us-east'], 3).includes('sa-east');
      })!;
      entries.delete(walked);
      recount.expectedChanged(USER, walked.split('/')[2]!, -1);
      const late = 'ffffffff-0000-4000-8000-000000000001';
      entries.set(fileKey(USER, late), entryOf(late) as IndexValue);
    });
    recount.check();
    await recount.settled();
    expect(values.get('replicas.expected')).toBe(truth());
  });

  it('does nothing when the count is already for this layout', async () => {
    const { recount, values } = setup();
    values.set('replicas.expectedLayout', 2);
    recount.check();
    await recount.settled();
    expect(values.get('replicas.expected')).toBe(999_999);
  });
});
