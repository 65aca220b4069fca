import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { newId, putReplicaAs, readBlob } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

/**
 * A copy with no entry is removed only once its upload is known to have failed, never on a
 * timer alone (issue 17): its entry may still come from a node that is cut off.
 */
describe('orphan copies (3 real node processes)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_ORPHAN_GRACE_MS: '1500', GEOVAULT_REPAIR_INTERVAL_MS: '500' } });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('keeps a copy while a node that may know its upload cannot be asked, and removes it once every node says it failed', async () => {
    const userId = newId();
    const fileId = newId();
    expect((await putReplicaAs(cluster, 'eu-west', 'us-east', userId, fileId, crypto.randomBytes(100_000))).status).toBe(200);
    await cluster.kill('us-east');
    // Well past the grace time and many sweeps: the coordinator cannot be asked, so the copy stays.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(readBlob(cluster, 'eu-west', userId, fileId)).toBeDefined();

    await cluster.start('us-east');
    await waitFor('eu-west to remove the copy of an upload no node knows', () => readBlob(cluster, 'eu-west', userId, fileId) === undefined, { timeoutMs: 20_000 });
  });
});
