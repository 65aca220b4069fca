import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodesByPreference } from '../gateway/src/files/nodePreference';
import { loadClusterConfig } from '../node/src/config/clusterConfig';
import { RESUMABLE_PATH, type UploadResponse } from '../node/src/api/uploads';
import { GatewayStack } from './support/gatewayStack';
import { signUpAndLogIn, type ApiUser } from './support/gatewayUser';
import { bodyHoldingStack, startTus, type TusRun } from './support/tusClient';
import { waitFor } from './support/waitFor';

/**
 * An upload in progress lives on the nodes, not in the gateway (issue 14): it survives the
 * gateway being killed and restarted, and the node receiving its bytes being killed (the
 * client's retries continue through another holder). tus-js-client retries as a browser would.
 */
const MiB = 1024 * 1024;
const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');
/** Long enough in total to outlast a gateway restart on a busy two-core machine. */
const RETRIES = [500, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 30_000];

describe('resumable uploads across a gateway restart and a node death', () => {
  let stack: GatewayStack;
  let alice: ApiUser;

  beforeAll(async () => {
    stack = await GatewayStack.start({ profile: 'lan' });
    alice = await signUpAndLogIn(stack.url, { region: 'eu-west' });
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
  }, 60_000);

  /**
   * The next test kills the node it expects the gateway to send chunks to, the nearest holder:
   * so every node must be back in the gateway's eyes too, not only in its peers'. Before, the
   * gateway still skipped the node restarted here while the next upload began, sent its chunks
   * to another, and the test killed a node that took none of them.
   */
  async function bringBack(node: string): Promise<void> {
    await stack.cluster.start(node);
    await waitFor('the killed node to be back in the mesh', () => stack.cluster.allAlive(), { timeoutMs: 60_000, intervalMs: 500 });
    await waitFor('the gateway to use every node again', () => stack.seesEveryNodeUsable(), { timeoutMs: 60_000, intervalMs: 100 });
  }

  async function downloaded(itemId: string): Promise<string> {
    const res = await alice.call('GET', `/api/files/download/${itemId}`);
    expect(res.status).toBe(200);
    return sha256(Buffer.from(await res.arrayBuffer()));
  }

  it('continues after the gateway is killed mid-upload and started again, from the offset the nodes kept', async () => {
    const data = crypto.randomBytes(48 * MiB);
    let restart: Promise<void> | undefined;
    let offsetAtKill = 0;
    const run = startTus(stack.url, alice.token, data, {
      chunkSize: 4 * MiB,
      retryDelays: RETRIES,
      metadata: { filename: 'through a restart.bin' },
      onChunkComplete: (_chunk, accepted) => {
        if (restart || accepted < data.length / 3) return;
        offsetAtKill = accepted;
        restart = stack.stopGateway().then(() => stack.startGateway());
      },
    });
    const { itemId } = await run.done;
    await restart;
    expect(offsetAtKill).toBeGreaterThan(0);
    // The retry asked the (new) gateway where the upload was, and it knew: the nodes had it.
    expect(run.resumedAt.some((offset) => offset >= offsetAtKill)).toBe(true);
    expect(await downloaded(itemId!)).toBe(sha256(data));
  }, 300_000);

  it('sends the next chunk to another holder at once when the node that took the last one has died since: the client sees no error', async () => {
    const data = crypto.randomBytes(24 * MiB);
    const cluster = loadClusterConfig(stack.cluster.configDir, 'lan');
    let killed: string | undefined;
    const run = startTus(stack.url, alice.token, data, {
      chunkSize: 4 * MiB,
      // No retries: the gateway must fail the chunk over itself, before a byte of it is sent.
      retryDelays: null,
      metadata: { filename: 'between two chunks.bin' },
      onBeforeRequest: async (req) => {
        if (killed || req.getMethod() !== 'PATCH' || Number(req.getHeader('Upload-Offset')) < 8 * MiB) return;
        const uploadId = run.upload.url!.split('/').pop()!;
        const res = await stack.cluster.request(alice.region, 'GET', `${RESUMABLE_PATH}/${alice.id}/${uploadId}`);
        const { upload } = (await res.json()) as UploadResponse;
        // The node that took the last chunk (the nearest holder). The gateway sends it the next
        // chunk without waiting for a 100 Continue, once connected: it must learn of the death
        // (its mesh monitor does at once), or find the connection refused before a byte goes.
        killed = nodesByPreference(alice.region, cluster.nodes).find((id) => upload.holders.includes(id))!;
        await stack.cluster.kill(killed);
      },
    });
    const { itemId } = await run.done;
    expect(killed).toBeDefined();
    expect(run.resumedAt).toEqual([]);
    expect(await downloaded(itemId!)).toBe(sha256(data));
    await bringBack(killed!);
  }, 300_000);

  it('continues through another holder when the node receiving the bytes is killed mid-upload', async () => {
    const data = crypto.randomBytes(48 * MiB);
    const cluster = loadClusterConfig(stack.cluster.configDir, 'lan');
    let killed: string | undefined;
    let cutAt = 0;
    let kill: Promise<void> | undefined;
    const run: TusRun = startTus(stack.url, alice.token, data, {
      chunkSize: 4 * MiB,
      retryDelays: RETRIES,
      metadata: { filename: 'through a node death.bin' },
      // Half of a PATCH's body is on its way when its receiver dies: between two PATCHes, the
      // gateway takes the next one to another holder before a byte is sent (100-continue) and
      // the client never notices, so only a cut body makes the client resume.
      httpStack: bodyHoldingStack((req) => {
        if (kill || req.getMethod() !== 'PATCH' || Number(req.getHeader('Upload-Offset')) < data.length / 3) return undefined;
        cutAt = Number(req.getHeader('Upload-Offset'));
        kill = (async () => {
          const uploadId = run.upload.url!.split('/').pop()!;
          const res = await stack.cluster.request(alice.region, 'GET', `${RESUMABLE_PATH}/${alice.id}/${uploadId}`);
          const { upload } = (await res.json()) as UploadResponse;
          // The gateway sends each chunk to the nearest holder: that is the one to kill.
          killed = nodesByPreference(alice.region, cluster.nodes).find((id) => upload.holders.includes(id))!;
          await stack.cluster.kill(killed);
        })();
        return kill;
      }),
    });
    const { itemId } = await run.done;
    await kill;
    expect(killed).toBeDefined();
    expect(stack.cluster.isRunning(killed!)).toBe(false);
    // The retry asked where the upload was: every chunk acknowledged before the cut was kept.
    expect(cutAt).toBeGreaterThan(0);
    expect(run.resumedAt.some((offset) => offset >= cutAt)).toBe(true);
    expect(await downloaded(itemId!)).toBe(sha256(data));
    // Back, it catches up on the file like any other (repair), and nothing else is needed.
    await bringBack(killed!);
  }, 300_000);
});
