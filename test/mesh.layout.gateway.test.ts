import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshSnapshot, NodeView } from '../gateway/src/api/mesh';
import { GatewayStack } from './support/gatewayStack';
import { signUpAndLogIn, TEST_PASSWORD } from './support/gatewayUser';
import { applyLayout, layoutOf, uploadFiles } from './support/layoutLoad';
import { waitFor } from './support/waitFor';

/**
 * The gateway's picture of the mesh follows the cluster layout (real gateway and node
 * processes): a region that joins while it runs is on the map at once, as joining, then as
 * active with its files to move, moved and rate while its share of the data moves.
 */
describe('mesh view: a region joining live (real gateway and nodes)', () => {
  let stack: GatewayStack;

  beforeAll(async () => {
    // A small repair budget: 2 files of 16 KiB a second once the budget's first burst (256 KiB)
    // is spent, so the move of ~45 files lasts for several of the gateway's polls.
    stack = await GatewayStack.start({ env: { GEOVAULT_INLINE_MAX_BYTES: '0', GEOVAULT_REPAIR_BYTES_PER_SEC: String(32 * 1024), GEOVAULT_REPAIR_CONCURRENCY: '1' } });
    await uploadFiles(stack.cluster, ['asia', 'eu-west', 'us-east'], 60, 16 * 1024);
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
  });

  const saEast = async (): Promise<NodeView | undefined> => {
    const snapshot = (await (await fetch(`${stack.url}/api/nodes`)).json()) as MeshSnapshot;
    return snapshot.nodes.find((n) => n.id === 'sa-east');
  };

  it('shows sa-east when it joins, then while its data moves: files to move, moved, rate', async () => {
    expect(await saEast()).toBeUndefined();
    await stack.cluster.start('sa-east');
    const joining = await waitFor('the gateway to show sa-east joining', async () => {
      const view = await saEast();
      return view?.layoutState === 'joining' && view.state === 'alive' ? view : undefined;
    }, { timeoutMs: 30_000 });
    // On the map, but not offered as a home region while it only asks to join.
    expect(joining).toMatchObject({ label: 'SA East (São Paulo)', lat: -23.55, lon: -46.63, reachable: true, homeRegion: false });
    const early = await fetch(`${stack.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'too.early@example.org', password: TEST_PASSWORD, name: 'Too Early', region: 'sa-east' }),
    });
    expect(early.status).toBe(400);

    const { joined } = await layoutOf(stack.cluster, 'us-east');
    expect(await applyLayout(stack.cluster, 'us-east', [{ op: 'add', node: joined[0] }])).toMatchObject({ status: 200 });
    let last: NodeView | undefined;
    const moving = await waitFor('the gateway to show sa-east active with files to move', async () => {
      const view = (last = await saEast());
      return view?.layoutState === 'active' && view.rebalance && view.rebalance.toMove > 0 ? view : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 }).catch((error: Error) => {
      throw new Error(`${error.message}; last seen: ${JSON.stringify({ layoutState: last?.layoutState, rebalance: last?.rebalance })}`);
    });
    expect(moving.rebalance!.toMove + moving.rebalance!.moved).toBeGreaterThan(20);
    let sawRate = false;
    await waitFor('the move to finish, as the gateway shows it', async () => {
      const view = await saEast();
      if ((view?.rebalance?.ratePerSecond ?? 0) > 0) sawRate = true;
      return view?.rebalance?.toMove === 0 && view.rebalance.moved >= 30;
    }, { timeoutMs: 120_000, intervalMs: 200 });
    expect(sawRate).toBe(true);
    const snapshot = (await (await fetch(`${stack.url}/api/nodes`)).json()) as MeshSnapshot;
    expect(snapshot.links.filter((l) => l.a === 'sa-east' || l.b === 'sa-east')).toHaveLength(3);
  }, 240_000);

  it('routes to the region that joined live, with no restart of the gateway: a home region to choose, its users served by it', async () => {
    // Reachable too: the gateway sends a write to the nearest usable node, so an upload made
    // while one of its polls of sa-east failed would rightly go elsewhere.
    await waitFor('the gateway to offer sa-east as a home region, reachable', async () => {
      const view = await saEast();
      return view?.homeRegion === true && view.reachable;
    });
    const carla = await signUpAndLogIn(stack.url, { region: 'sa-east' });
    expect(carla.region).toBe('sa-east');
    const data = crypto.randomBytes(200_000);
    const form = new FormData();
    form.append('file', new Blob([data]), 'são paulo.bin');
    const uploaded = await carla.call('POST', '/api/files/upload', { body: form });
    expect(uploaded.status).toBe(201);
    const { file } = (await uploaded.json()) as { file: { id: string; sha256: string } };
    // Her upload was coordinated by her home region: the node the gateway learnt from the layout.
    // The node logs before it answers, but its stdout reaches this process by its own pipe, which
    // may be read after the answer.
    const acknowledged = new RegExp(`"fileId":"${file.id}".*"upload acknowledged"`);
    const coordinator = await waitFor('a node to log the upload as acknowledged', () =>
      ['sa-east', 'us-east', 'eu-west', 'asia'].find((id) => acknowledged.test(stack.cluster.logs(id))),
    );
    expect(coordinator).toBe('sa-east');
    const download = await carla.call('GET', `/api/files/download/${file.id}`);
    expect(download.status).toBe(200);
    expect(crypto.createHash('sha256').update(Buffer.from(await download.arrayBuffer())).digest('hex')).toBe(file.sha256);
  }, 120_000);
});
