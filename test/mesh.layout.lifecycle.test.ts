import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayoutAnswer } from '../node/src/api/layout';
import { NodeCluster } from './support/nodeCluster';
import { waitFor } from './support/waitFor';

/**
 * The layout's life with real node processes: version 1 seeded from the node files, a wrong
 * version refused, a region that joins by address and is added, then dies and is
 * decommissioned, which lets a tombstone that waited for it be collected. (Data moving under
 * load is mesh.layout.test.ts.)
 */
describe('cluster layout: versions, a live join, a decommission (real processes)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan' });
    await cluster.startAll();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  /** `npm run layout -- …` as an admin runs it, against `node`. */
  const layoutCli = async (node: string, ...args: string[]) => {
    const root = path.resolve(import.meta.dirname, '..');
    const { stdout } = await promisify(execFile)(path.join(root, 'node_modules/.bin/tsx'), ['scripts/layout.ts', ...args, '--node', `127.0.0.1:${cluster.port(node)}`], {
      cwd: root,
      env: { ...process.env, GEOVAULT_CLUSTER_SECRET: cluster.secret, GEOVAULT_CONFIG_DIR: cluster.configDir },
    });
    return JSON.parse(stdout) as LayoutAnswer;
  };

  const layoutOf = async (id: string) => (await (await cluster.request(id, 'GET', '/v1/layout')).json()) as LayoutAnswer;

  it('version 1 is seeded from the node files; a wrong version is refused', async () => {
    const answer = await layoutOf('eu-west');
    expect(answer.layout.version).toBe(1);
    expect(answer.layout.nodes.map((n) => [n.id, n.state])).toEqual([['asia', 'active'], ['eu-west', 'active'], ['us-east', 'active']]);
    const res = await cluster.request('eu-west', 'POST', '/v1/layout', { version: 3, changes: [{ op: 'drain', id: 'asia' }] });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('conflict');
    const bad = await cluster.request('eu-west', 'POST', '/v1/layout', { version: 2, changes: [{ op: 'explode', id: 'asia' }] });
    expect(bad.status).toBe(400);
  });

  it('a fourth node joins by address; once added, every node follows version 2', async () => {
    await cluster.start('sa-east');
    await waitFor('every founder to hold sa-east alive', async () => {
      for (const id of cluster.ids) if ((await cluster.memberState(id, 'sa-east'))?.state !== 'alive') return false;
      return true;
    }, { timeoutMs: 30_000 });
    const before = await layoutCli('asia', 'show');
    expect(before.joined.map((n) => n.id)).toEqual(['sa-east']);
    const added = await layoutCli('asia', 'add', path.join(cluster.configDir, 'sa-east.json'));
    expect(added.layout.version).toBe(2);
    await waitFor('all four at version 2', async () => {
      for (const id of [...cluster.ids, 'sa-east']) if ((await layoutOf(id)).layout.version !== 2) return false;
      return true;
    });
    expect((await cluster.status('sa-east')).layout.state).toBe('active');
  }, 60_000);

  it('a founder restarted after the join finds sa-east from the layout in its index, and they gossip again', async () => {
    const before = (await cluster.status('asia')).incarnation;
    await cluster.kill('asia', 'SIGTERM');
    await cluster.start('asia');
    await waitFor('asia and sa-east alive to each other again', async () => {
      const [asiaSees, saSees] = await Promise.all([cluster.memberState('asia', 'sa-east'), cluster.memberState('sa-east', 'asia')]);
      return asiaSees?.state === 'alive' && saSees?.state === 'alive' && saSees.incarnation > before;
    }, { timeoutMs: 30_000 });
    expect((await cluster.status('asia')).links['sa-east']?.connected).toBe(true);
  }, 90_000);

  const tombstones = async (id: string) => (await cluster.status(id)).index.tombstones;

  it('a member that stays dead keeps tombstones until it is decommissioned; then they are collected', async () => {
    // Alive, it cannot be decommissioned: it should be drained instead.
    const alive = await cluster.request('us-east', 'POST', '/v1/layout', { version: 3, changes: [{ op: 'decommission', id: 'sa-east' }] });
    expect(alive.status).toBe(409);
    expect(((await alive.json()) as { error: { message: string } }).error.message).toMatch(/alive/);

    await cluster.kill('sa-east');
    await waitFor('every founder to hold sa-east dead', async () => {
      for (const id of cluster.ids) if ((await cluster.memberState(id, 'sa-east'))?.state !== 'dead') return false;
      return true;
    }, { timeoutMs: 30_000 });
    expect((await cluster.request('us-east', 'PUT', '/v1/kv/doomed', { value: 'soon gone' })).status).toBe(200);
    expect((await cluster.request('us-east', 'DELETE', '/v1/kv/doomed')).status).toBe(200);
    await waitFor('the tombstone on every founder', async () => {
      for (const id of cluster.ids) if ((await tombstones(id)) === 0) return false;
      return true;
    });
    // Several anti-entropy rounds: the founders have all seen it, but sa-east, a member, has not.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    for (const id of cluster.ids) expect(await tombstones(id)).toBeGreaterThan(0);

    const res = await cluster.request('us-east', 'POST', '/v1/layout', { version: 3, changes: [{ op: 'decommission', id: 'sa-east' }] });
    expect(res.status).toBe(200);
    await waitFor('the tombstone collected on every founder', async () => {
      for (const id of cluster.ids) if ((await tombstones(id)) !== 0) return false;
      return true;
    }, { timeoutMs: 30_000 });
    const { layout } = await layoutOf('asia');
    expect(layout.nodes.find((n) => n.id === 'sa-east')?.state).toBe('decommissioned');
  }, 90_000);
});
