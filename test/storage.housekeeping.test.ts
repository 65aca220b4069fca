import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageView } from '../node/src/api/files';
import type { NodeStatus } from '../node/src/api/status';
import type { TrashPage, VersionView } from '../node/src/api/tree';
import { quotaOwners } from '../node/src/replication/quotaAuthority';
import { NodeCluster } from './support/nodeCluster';
import { blobFile, get, newId, uploadTo } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

const QUOTA = 1_000_000;
/** A trash retention of about two seconds (GEOVAULT_TRASH_DAYS takes fractions). */
const TRASH_DAYS = 2 / 86_400;

/**
 * The background side of the trash and versions (DESIGN §5, issue 13) with real node processes:
 * each user's purge and thinning is done by one node, learnt by every region.
 */
describe('trash purge and version thinning in the background (3 real node processes)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({
      profile: 'lan',
      env: { GEOVAULT_QUOTA_BYTES: String(QUOTA), GEOVAULT_INLINE_MAX_BYTES: '0', GEOVAULT_TRASH_DAYS: String(TRASH_DAYS), GEOVAULT_HOUSEKEEPING_MS: '300' },
    });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const json = async <T>(node: string, pathname: string): Promise<T> => {
    const answer = await get(cluster, node, pathname);
    expect(answer.status, answer.body.toString()).toBe(200);
    return JSON.parse(answer.body.toString()) as T;
  };
  const housekeeping = async () => (await Promise.all(cluster.ids.map((node) => json<NodeStatus>(node, '/v1/status')))).map((status) => status.housekeeping);

  it('purges what has been in the trash past its time in every region, once: the quota and every blob are freed', async () => {
    const userId = newId();
    const folder = await cluster.request('us-east', 'POST', `/v1/tree/${userId}/folders`, { parentId: 'root', name: 'Old' });
    expect(folder.status).toBe(201);
    const folderId = ((await folder.json()) as { item: { id: string } }).item.id;
    const inFolder = newId();
    const loose = newId();
    const kept = newId();
    const upload = (node: string, fileId: string, name: string, bytes: number, parent?: string) =>
      uploadTo(cluster, node, userId, fileId, crypto.randomBytes(bytes), { name, ...(parent ? { headers: { 'x-geovault-parent-id': parent } } : {}) });
    expect((await upload('us-east', inFolder, 'a.bin', 200_000, folderId)).status).toBe(201);
    expect((await upload('eu-west', loose, 'b.bin', 100_000)).status).toBe(201);
    expect((await upload('asia', kept, 'c.bin', 50_000)).status).toBe(201);
    const before = await housekeeping();

    expect((await cluster.request('eu-west', 'DELETE', `/v1/tree/${userId}/items/${folderId}`)).status).toBe(200);
    expect((await cluster.request('asia', 'DELETE', `/v1/tree/${userId}/items/${loose}`)).status).toBe(200);
    // In the trash they still count, until their time is up.
    expect((await json<UsageView>('eu-west', `/v1/users/${userId}/usage`)).used).toBe(350_000);

    await waitFor(
      'every region to have purged the trash and freed its space',
      async () => {
        const answers = await Promise.all(cluster.ids.map(async (node) => ({ usage: await json<UsageView>(node, `/v1/users/${userId}/usage`), trash: await json<TrashPage>(node, `/v1/tree/${userId}/trash`) })));
        return answers.every(({ usage, trash }) => usage.used === 50_000 && trash.items.length === 0);
      },
      { timeoutMs: 20_000 },
    );
    await waitFor('every node to drop the purged blobs', () => cluster.ids.every((node) => !fs.existsSync(blobFile(cluster, node, userId, inFolder)) && !fs.existsSync(blobFile(cluster, node, userId, loose))));
    expect(cluster.ids.filter((node) => fs.existsSync(blobFile(cluster, node, userId, kept)))).toHaveLength(3);
    // One purge per item in the whole cluster, both by the user's quota owner: the others only learn them.
    const owner = quotaOwners(userId, cluster.ids)[0]!;
    const after = await housekeeping();
    expect(Object.fromEntries(cluster.ids.map((node, i) => [node, after[i]!.trashPurged - before[i]!.trashPurged]))).toEqual(
      Object.fromEntries(cluster.ids.map((node) => [node, node === owner ? 2 : 0])),
    );
  });

  it('thins older versions to half of the free quota, the oldest first, and never the current one', async () => {
    const userId = newId();
    const contents = Array.from({ length: 4 }, () => crypto.randomBytes(200_000));
    let itemId: string | undefined;
    for (const data of contents) {
      const answer = await uploadTo(cluster, 'eu-west', userId, newId(), data, { name: 'draft.bin' });
      expect(answer.status).toBe(201);
      const file = (JSON.parse(answer.body.toString()) as { file: { fileId: string; itemId?: string } }).file;
      itemId ??= file.fileId;
      expect(file.itemId ?? file.fileId).toBe(itemId);
    }
    // 800 kB kept of a 1 MB quota: 600 kB of older versions, but only (1 MB − 200 kB) / 2 may be.
    const sha = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');
    // Thinned by one node, learnt by the others through gossip: every region must come to the same three.
    const versionsIn = async (node: string) => (await json<{ versions: VersionView[] }>(node, `/v1/tree/${userId}/items/${itemId}/versions`)).versions;
    await waitFor('the oldest version to be thinned in every region', async () => (await Promise.all(cluster.ids.map(versionsIn))).every((versions) => versions.length === 3), { timeoutMs: 20_000 });
    const versions = await versionsIn('asia');
    expect(versions.map((version) => version.sha256)).toEqual([sha(contents[3]!), sha(contents[2]!), sha(contents[1]!)]);
    expect(versions[0]!.current).toBe(true);
    await waitFor('every region to count what is left', async () =>
      (await Promise.all(cluster.ids.map((node) => json<UsageView>(node, `/v1/users/${userId}/usage`)))).every((usage) => usage.used === 600_000 && usage.breakdown?.versions === 400_000),
    );
  });
});
