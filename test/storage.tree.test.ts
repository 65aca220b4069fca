import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FolderPage, ItemView } from '../node/src/api/tree';
import { NodeCluster } from './support/nodeCluster';
import { blobFile, newId, sha256, uploadTo } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

/**
 * The replicated tree across real node processes (DESIGN §5): folders made, moved and named
 * in regions cut off from each other converge to one acyclic tree everywhere, with both of two
 * clashing names kept; a copy shares its bytes on every node.
 */
describe('the file tree across three regions (real node processes)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_REPAIR_INTERVAL_MS: '500', GEOVAULT_TREE_COMPACT_MS: '300' } });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
  });
  afterAll(async () => {
    await cluster?.close();
  });

  async function call<T>(node: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await cluster.request(node, method, path, body);
    return { status: res.status, body: (await res.json()) as T };
  }

  async function folder(node: string, userId: string, folderId = 'root'): Promise<FolderPage> {
    const res = await call<FolderPage>(node, 'GET', `/v1/tree/${userId}/folders/${folderId}?limit=1000`);
    expect(res.status).toBe(200);
    return res.body;
  }

  const names = (page: FolderPage) => page.items.map((item) => item.name).sort();

  async function mkdir(node: string, userId: string, name: string, parentId = 'root'): Promise<ItemView> {
    const res = await call<{ item: ItemView }>(node, 'POST', `/v1/tree/${userId}/folders`, { parentId, name });
    expect(res.status).toBe(201);
    return res.body.item;
  }

  async function partitionAsia(): Promise<void> {
    for (const [node, from] of [['asia', ['us-east', 'eu-west']], ['us-east', ['asia']], ['eu-west', ['asia']]] as const) {
      expect((await cluster.request(node, 'POST', '/v1/faults', { partitionedFrom: from, durationSeconds: 120 })).status).toBe(200);
    }
  }

  async function heal(): Promise<void> {
    for (const node of cluster.ids) expect((await cluster.request(node, 'POST', '/v1/faults', { clear: true })).status).toBe(200);
  }

  it('moves of two folders into each other in partitioned regions end in the same acyclic tree, both folders kept', async () => {
    const userId = newId();
    const a = await mkdir('us-east', userId, 'A');
    const b = await mkdir('us-east', userId, 'B');
    for (const node of cluster.ids) await waitFor(`${node} to see A and B`, async () => names(await folder(node, userId)).join() === 'A,B');

    await partitionAsia();
    try {
      const moveA = await call<{ item: ItemView }>('us-east', 'PATCH', `/v1/tree/${userId}/items/${a.id}`, { parentId: b.id });
      expect(moveA.status).toBe(200);
      const moveB = await call<{ item: ItemView }>('asia', 'PATCH', `/v1/tree/${userId}/items/${b.id}`, { parentId: a.id });
      expect(moveB.status).toBe(200);
      // Same name made on both sides of the cut.
      await mkdir('us-east', userId, 'Docs');
      await mkdir('asia', userId, 'Docs');
      // Each side sees its own move while cut off.
      expect(names(await folder('us-east', userId))).toEqual(['B', 'Docs']);
      expect(names(await folder('asia', userId))).toEqual(['A', 'Docs']);
    } finally {
      await heal();
    }

    const shape = async (node: string) => {
      const root = await folder(node, userId);
      const inner = await Promise.all(root.items.filter((i) => i.name === 'A' || i.name === 'B').map(async (i) => [i.name, names(await folder(node, userId, i.id))]));
      return JSON.stringify({ root: names(root), inner });
    };
    await waitFor('every region to show the same tree', async () => {
      const shapes = await Promise.all(cluster.ids.map(shape));
      return shapes.every((s) => s === shapes[0]) && JSON.parse(shapes[0]!).root.length === 3;
    }, { timeoutMs: 30_000 });
    const root = await folder('eu-west', userId);
    // One of the two moves won (the later-stamped one was skipped: it would have made a cycle).
    const top = root.items.filter((i) => i.name === 'A' || i.name === 'B');
    expect(top).toHaveLength(1);
    const under = await folder('eu-west', userId, top[0]!.id);
    expect(names(under)).toEqual([top[0]!.name === 'A' ? 'B' : 'A']);
    // Both "Docs" are kept; the one placed later is shown with its region.
    const docs = root.items.filter((i) => i.name.startsWith('Docs')).map((i) => i.name).sort();
    expect(docs).toHaveLength(2);
    expect(docs[0]).toBe('Docs');
    expect(docs[1]).toMatch(/^Docs \(conflict (us-east|asia)\)$/);
  });

  it('refuses a move into a descendant and a taken name in one region, and renames on request', async () => {
    const userId = newId();
    const outer = await mkdir('eu-west', userId, 'Outer');
    const inner = await mkdir('eu-west', userId, 'Inner', outer.id);
    const cycle = await call<{ error: { code: string } }>('eu-west', 'PATCH', `/v1/tree/${userId}/items/${outer.id}`, { parentId: inner.id });
    expect(cycle.status).toBe(409);
    expect(cycle.body.error.code).toBe('invalid_move');
    const taken = await call<{ error: { code: string } }>('eu-west', 'POST', `/v1/tree/${userId}/folders`, { parentId: outer.id, name: 'Inner' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('name_taken');
    const renamed = await call<{ item: ItemView }>('eu-west', 'POST', `/v1/tree/${userId}/folders`, { parentId: outer.id, name: 'Inner', onConflict: 'rename' });
    expect(renamed.body.item.name).toBe('Inner (1)');
    // Asked at once in one region: one gets the name, the others hear it is taken (or get the next free one).
    const racing = await Promise.all(Array.from({ length: 5 }, () => call('eu-west', 'POST', `/v1/tree/${userId}/folders`, { parentId: 'root', name: 'Race' })));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const data = Buffer.from('same name, five uploads');
    const rename = { 'x-geovault-on-conflict': 'rename' };
    const uploads = await Promise.all(Array.from({ length: 5 }, () => uploadTo(cluster, 'eu-west', userId, newId(), data, { name: 'same.txt', headers: rename })));
    expect(uploads.map((u) => u.status)).toEqual([201, 201, 201, 201, 201]);
    expect(uploads.map((u) => JSON.parse(u.body.toString()).file.name).sort()).toEqual(['same (1).txt', 'same (2).txt', 'same (3).txt', 'same (4).txt', 'same.txt']);
    // By default a taken name makes a new version of that file, even for uploads racing each
    // other before the first is committed: one item, five contents.
    const versioned = await Promise.all(Array.from({ length: 5 }, (_, i) => uploadTo(cluster, 'eu-west', userId, newId(), Buffer.from(`content ${i}`), { name: 'versioned.txt' })));
    expect(versioned.map((u) => u.status)).toEqual([201, 201, 201, 201, 201]);
    const itemIds = new Set(versioned.map((u) => (JSON.parse(u.body.toString()) as { file: { itemId?: string; fileId: string } }).file).map((file) => file.itemId ?? file.fileId));
    expect(itemIds.size).toBe(1);
    const [itemId] = [...itemIds];
    const history = await call<{ versions: Array<{ versionId: string; current: boolean }> }>('eu-west', 'GET', `/v1/tree/${userId}/items/${itemId}/versions`);
    expect(history.body.versions).toHaveLength(5);
    expect(names(await folder('eu-west', userId)).filter((name) => name.startsWith('versioned'))).toEqual(['versioned.txt']);
    // A folder upload asks for its paths at once, file by file: they must meet in one folder, not "trip (1)".
    const paths = await Promise.all(
      [['trip', 'notes'], ['trip', 'notes', 'deep'], ['trip', 'notes'], ['trip']].map((path) =>
        call<{ item: ItemView }>('eu-west', 'POST', `/v1/tree/${userId}/paths`, { parentId: 'root', path }),
      ),
    );
    expect(paths.map((p) => p.status)).toEqual([200, 200, 200, 200]);
    expect(paths[0]!.body.item.id).toBe(paths[2]!.body.item.id);
    expect(paths[1]!.body.item.path!.map((step) => step.name)).toEqual(['My files', 'trip', 'notes']);
    expect(names(await folder('eu-west', userId)).filter((name) => name.startsWith('trip'))).toEqual(['trip']);
    // Another user's item is not found, whatever the id.
    const stranger = await call<{ error: { code: string } }>('eu-west', 'GET', `/v1/tree/${newId()}/items/${outer.id}`);
    expect(stranger.status).toBe(404);
  });

  it('uploads into a folder, and a copy shares the blob on every node (no bytes over the WAN)', async () => {
    const userId = newId();
    const photos = await mkdir('us-east', userId, 'Photos');
    const data = crypto.randomBytes(200_000);
    const fileId = newId();
    const up = await uploadTo(cluster, 'us-east', userId, fileId, data, { name: 'beach.jpg', mime: 'image/jpeg', headers: { 'x-geovault-parent-id': photos.id } });
    expect(up.status).toBe(201);
    expect(names(await folder('us-east', userId, photos.id))).toEqual(['beach.jpg']);
    for (const node of cluster.ids) await waitFor(`${node} to store the file`, () => fs.existsSync(blobFile(cluster, node, userId, fileId)));

    const copy = await call<{ item: ItemView }>('us-east', 'POST', `/v1/tree/${userId}/items/${fileId}/copy`, { parentId: 'root' });
    expect(copy.status).toBe(201);
    expect(copy.body.item).toMatchObject({ name: 'beach.jpg', parentId: 'root', size: data.length, sha256: sha256(data) });
    for (const node of cluster.ids) {
      await waitFor(`${node} to link the copy`, () => fs.statSync(blobFile(cluster, node, userId, copy.body.item.id), { throwIfNoEntry: false })?.nlink === 2);
      expect(fs.statSync(blobFile(cluster, node, userId, copy.body.item.id)).ino).toBe(fs.statSync(blobFile(cluster, node, userId, fileId)).ino);
    }
    // The copy counts toward the quota, as a user expects.
    expect((await folder('us-east', userId)).usage.used).toBe(2 * data.length);
  });

  it('compacts the op log once every region has it, and a wiped region rebuilds the same tree from what is left', async () => {
    const userId = newId();
    const top = await mkdir('us-east', userId, 'Top');
    let moving = await mkdir('us-east', userId, 'Moving');
    for (let i = 0; i < 20; i++) {
      // Renamed and moved back and forth: twenty ops on one item, of which one places it.
      const parentId = i % 2 === 0 ? top.id : 'root';
      moving = (await call<{ item: ItemView }>('us-east', 'PATCH', `/v1/tree/${userId}/items/${moving.id}`, { parentId, name: `Moving ${i}` })).body.item;
    }
    await waitFor('the log to be compacted everywhere and the replaced ops retired', async () => {
      const statuses = await Promise.all(cluster.ids.map((node) => cluster.status(node)));
      return statuses.every((s) => s.tree.stable !== null && s.tree.logEntries < 20) && statuses.some((s) => s.tree.retired >= 19);
    }, { timeoutMs: 30_000 });

    const tree = async (node: string) => {
      const root = await folder(node, userId);
      const inTop = await folder(node, userId, top.id);
      return { root: names(root), inTop: names(inTop) };
    };
    const expected = await tree('us-east');
    expect(expected).toEqual({ root: ['Moving 19', 'Top'], inTop: [] });

    await cluster.kill('eu-west');
    fs.rmSync(path.join(cluster.dataDir, 'node-eu-west'), { recursive: true, force: true });
    await cluster.start('eu-west');
    await waitFor('the wiped region to rebuild the tree', async () => JSON.stringify(await tree('eu-west').catch(() => null)) === JSON.stringify(expected), { timeoutMs: 30_000 });
  }, 90_000);
});
