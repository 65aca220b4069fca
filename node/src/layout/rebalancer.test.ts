import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { placeReplicas } from '../replication/placement';
import { Rebalancer, type OwnCopy, type RebalancerDeps } from './rebalancer';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A simulated cluster around one old holder (us-east): replica records per node, holders that
 * answer holdings calls from those records, and a layout version that can move under it.
 */
function world(files: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-rebalance-'));
  dirs.push(dir);
  const user = '00000000-0000-4000-8000-000000000000';
  const fileIds = Array.from({ length: files }, (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
  const records = new Map<string, Set<string>>();
  for (const fileId of fileIds) records.set(fileId, new Set(['us-east', 'eu-west', 'asia']));
  const state = { version: 2, active: ['asia', 'eu-west', 'sa-east', 'us-east'], holdingsCalls: 0, minCopies: 3, unreachable: new Set<string>() };
  const copiesOf = (fileId: string) => records.get(fileId)!.size;
  const deps: RebalancerDeps = {
    self: 'us-east',
    replicas: 3,
    layoutVersion: () => state.version,
    ownCopies: (after, limit): OwnCopy[] =>
      fileIds
        .filter((fileId) => records.get(fileId)!.has('us-east'))
        .map((fileId) => ({ key: `replica/us-east/${user}/${fileId}`, userId: user, fileId }))
        .filter((copy) => after === undefined || copy.key > after)
        .slice(0, limit),
    blobFile: () => ({ sha256: 'x' }),
    holders: (fileId) => placeReplicas(fileId, state.active, 3),
    storedOn: (node, _userId, fileId) => records.get(fileId)!.has(node),
    holdings: async (peer, asked) => {
      state.holdingsCalls++;
      if (state.unreachable.has(peer)) throw new Error('unreachable');
      return { version: state.version, stored: asked.map(({ fileId }) => records.get(fileId)!.has(peer)) };
    },
    drop: async (_userId, fileId) => {
      records.get(fileId)!.delete('us-east');
      state.minCopies = Math.min(state.minCopies, copiesOf(fileId));
    },
    pulled: () => 0,
    backlog: () => 0,
    stateFile: path.join(dir, 'rebalance.json'),
    filesPerSecond: 1_000_000,
    retryMinMs: 60_000,
    retryMaxMs: 60_000,
    revisitMs: 60_000,
    logger,
  };
  const displaced = fileIds.filter((fileId) => !placeReplicas(fileId, state.active, 3).includes('us-east'));
  return { deps, state, records, displaced, fileIds };
}

describe('rebalancer', () => {
  it('drops a displaced copy only once its new holder stores it; never fewer than 3 copies', async () => {
    const { deps, state, records, displaced } = world(300);
    const rebalancer = new Rebalancer(deps);
    await rebalancer.start();
    await rebalancer.runOnce();
    // sa-east has pulled nothing yet: every displaced copy waits.
    expect(rebalancer.summary().outgoing).toEqual({ moved: 0, waiting: displaced.length, found: displaced.length });
    expect(displaced.every((fileId) => records.get(fileId)!.has('us-east'))).toBe(true);
    // sa-east pulls half of them.
    const half = displaced.slice(0, Math.floor(displaced.length / 2));
    for (const fileId of half) records.get(fileId)!.add('sa-east');
    await rebalancer.runOnce();
    expect(rebalancer.summary().outgoing.moved).toBe(half.length);
    expect(rebalancer.summary().phase).toBe('waiting');
    for (const fileId of displaced) records.get(fileId)!.add('sa-east');
    await rebalancer.runOnce();
    expect(rebalancer.summary()).toMatchObject({ phase: 'done', outgoing: { moved: displaced.length, waiting: 0 } });
    expect(displaced.every((fileId) => !records.get(fileId)!.has('us-east'))).toBe(true);
    expect(state.minCopies).toBe(3);
    await rebalancer.stop();
  });

  it('keeps the copy when a new holder cannot say what it holds, or answers under another version', async () => {
    const { deps, state, records, displaced } = world(100);
    for (const fileId of displaced) records.get(fileId)!.add('sa-east');
    state.unreachable.add('sa-east');
    const rebalancer = new Rebalancer(deps);
    await rebalancer.start();
    await rebalancer.runOnce();
    expect(rebalancer.summary().outgoing.moved).toBe(0);
    state.unreachable.clear();
    const holdings = deps.holdings;
    deps.holdings = async (peer, asked) => ({ ...(await holdings(peer, asked)), version: 3 });
    await rebalancer.runOnce();
    expect(rebalancer.summary().outgoing.moved).toBe(0);
    deps.holdings = holdings;
    await rebalancer.runOnce();
    expect(rebalancer.summary().outgoing.moved).toBe(displaced.length);
    await rebalancer.stop();
  });

  it('resumes after a restart from its saved cursor, under the same version', async () => {
    const { deps, records, displaced } = world(600);
    for (const fileId of displaced) records.get(fileId)!.add('sa-east');
    let pages = 0;
    const ownCopies = deps.ownCopies;
    // The process dies while reading the third page (a throw stands for the crash).
    const first = new Rebalancer({
      ...deps,
      ownCopies: (after, limit) => {
        if (++pages === 3) throw new Error('killed');
        return ownCopies(after, limit);
      },
    });
    await first.start();
    await first.runOnce();
    const saved = JSON.parse(fs.readFileSync(deps.stateFile, 'utf8'));
    expect(saved.version).toBe(2);
    expect(saved.after).toMatch(/^replica\/us-east\//);
    const droppedBefore = saved.dropped;
    expect(droppedBefore).toBeGreaterThan(0);
    // The second life starts where the first stopped: it never reads the first pages again.
    const seen: Array<string | undefined> = [];
    const second = new Rebalancer({ ...deps, ownCopies: (after, limit) => (seen.push(after), ownCopies(after, limit)) });
    await second.start();
    await second.runOnce();
    expect(seen[0]).toBe(saved.after);
    expect(second.summary()).toMatchObject({ phase: 'done', outgoing: { moved: displaced.length } });
    await second.stop();
  });

  it('a new layout version restarts the walk from the start', async () => {
    const { deps, state } = world(50);
    const rebalancer = new Rebalancer(deps);
    await rebalancer.start();
    await rebalancer.runOnce();
    state.version = 3;
    state.active = ['asia', 'eu-west', 'us-east'];
    rebalancer.layoutChanged();
    await rebalancer.runOnce();
    expect(rebalancer.summary()).toMatchObject({ layoutVersion: 3, phase: 'done', outgoing: { found: 0 } });
    await rebalancer.stop();
  });
});
