import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { Fact } from '../gossip/frames';
import type { NodeAddress } from '../api/layout';
import type { IndexValue } from '../index/replicatedIndex';
import { applyLayoutChanges, seedLayout } from './clusterLayout';
import { layoutKey, LayoutService } from './layoutService';

const at = (id: string, port: number): NodeAddress => ({ id, label: id, region: id, lat: 0, lon: 0, host: '127.0.0.1', port });
const founders = [at('us-east', 7101), at('eu-west', 7102), at('asia', 7103)];
const logger = pino({ level: 'silent' });

/** An in-memory index: sorted keys, paged reads, and writes that make facts. */
function fakeIndex() {
  const entries = new Map<string, IndexValue>();
  let seq = 0;
  return {
    entries,
    index: {
      entries(prefix: string, page: { after?: string; limit?: number } = {}): Array<[string, IndexValue]> {
        return [...entries].filter(([key]) => key.startsWith(prefix) && (!page.after || key > page.after)).sort(([a], [b]) => (a < b ? -1 : 1)).slice(0, page.limit ?? 1000);
      },
    },
    writer: {
      async write(key: string, value: IndexValue): Promise<Fact> {
        entries.set(key, value);
        return { origin: 'us-east', seq: ++seq, key, value, version: { wall: seq, counter: 0, node: 'us-east' } };
      },
    },
  };
}

const fact = (key: string, value: IndexValue): Fact => ({ origin: 'eu-west', seq: 1, key, value, version: { wall: 1, counter: 0, node: 'eu-west' } });

describe('layout service', () => {
  it('a founding node starts from version 1 of the node files and writes it once', async () => {
    const { index, writer, entries } = fakeIndex();
    const layout = new LayoutService({ self: 'us-east', index, writer, founders, logger });
    expect(layout.version).toBe(1);
    expect(layout.placementNodes()).toEqual(['asia', 'eu-west', 'us-east']);
    await layout.seedIfMissing();
    expect([...entries.keys()]).toEqual([layoutKey(1)]);
    await layout.seedIfMissing();
    expect(entries.size).toBe(1);
  });

  it('a founder whose index started empty waits for its peers’ layout before seeding its own', async () => {
    const { index, writer, entries } = fakeIndex();
    const layout = new LayoutService({ self: 'us-east', index, writer, founders, logger });
    const v2 = applyLayoutChanges(seedLayout(founders), 2, [{ op: 'add', node: at('sa-east', 7104) }], 3);
    if (!v2.ok) throw new Error(v2.message);
    const seeding = layout.seedIfMissing({ waitMs: 5_000, pollMs: 5 });
    // The cluster's layout arrives through anti-entropy while it waits.
    setTimeout(() => entries.set(layoutKey(2), v2.layout), 30);
    await seeding;
    expect([...entries.keys()]).toEqual([layoutKey(2)]);
  });

  it('a joining node knows no layout until the index brings one; then follows the highest version', () => {
    const { index, writer } = fakeIndex();
    const layout = new LayoutService({ self: 'sa-east', index, writer, logger });
    expect(layout.version).toBe(0);
    expect(layout.placementNodes()).toEqual([]);
    expect(layout.members()).toEqual(['sa-east']);
    const v1 = seedLayout(founders);
    const v2 = applyLayoutChanges(v1, 2, [{ op: 'add', node: at('sa-east', 7104) }], 3);
    if (!v2.ok) throw new Error(v2.message);
    const seen: number[] = [];
    layout.onChange((next) => seen.push(next.version));
    // Out of order: version 2 first, then 1, which must not take it back.
    layout.onFacts([fact(layoutKey(2), v2.layout)]);
    layout.onFacts([fact(layoutKey(1), v1)]);
    expect(layout.version).toBe(2);
    expect(seen).toEqual([2]);
    expect(layout.members()).toEqual(['asia', 'eu-west', 'sa-east', 'us-east']);
  });

  it('ignores a layout whose key and version disagree, or that fails its schema', () => {
    const { index, writer } = fakeIndex();
    const layout = new LayoutService({ self: 'us-east', index, writer, founders, logger });
    const v1 = seedLayout(founders);
    layout.onFacts([fact(layoutKey(7), { ...v1, version: 9 })]);
    layout.onFacts([fact(layoutKey(8), { version: 8, nodes: [{ id: 'x' }] })]);
    expect(layout.version).toBe(1);
  });

  it('reads the newest version from the index at start, over the node files', async () => {
    const { index, writer } = fakeIndex();
    const v2 = applyLayoutChanges(seedLayout(founders), 2, [{ op: 'add', node: at('sa-east', 7104) }], 3);
    if (!v2.ok) throw new Error(v2.message);
    await writer.write(layoutKey(2), v2.layout);
    const layout = new LayoutService({ self: 'us-east', index, writer, founders, logger });
    expect(layout.version).toBe(2);
    expect(layout.placementNodes()).toContain('sa-east');
  });
});
