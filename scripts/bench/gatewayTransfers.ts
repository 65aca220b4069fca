import type { FileListResponse, UploadResponse } from '../../gateway/src/api/files';
import type { ApiUser } from '../../test/support/gatewayUser';
import { waitFor } from '../../test/support/waitFor';
import { CHUNK, runTransfer } from './transfer';

/** The measured transfers of bench:gateway, each in a client process of its own (transferClient.mjs). */

export { settleDisk } from './transfer';

export async function uploadThroughGateway(baseUrl: string, user: ApiUser, mib: number, seed: string): Promise<{ MBps: number; fileId: string }> {
  const headers = { authorization: `Bearer ${user.token}`, 'content-type': 'application/octet-stream', 'x-file-name': 'big.bin' };
  const result = await runTransfer(['upload', 'POST', `${baseUrl}/api/files/upload`, String(mib), seed, JSON.stringify(headers)]);
  if (result.status !== 201) throw new Error(`upload answered ${result.status}: ${result.body}`);
  return { MBps: result.MBps, fileId: (JSON.parse(result.body!) as UploadResponse).file.id };
}

export async function downloadMBps(url: string, mib: number, headers: Record<string, string> = {}): Promise<number> {
  return (await runTransfer(['download', url, String(mib * CHUNK), JSON.stringify(headers)])).MBps;
}

/**
 * Deletes the file and empties the trash, where a deleted file keeps its blobs (DESIGN §8):
 * else every round's files stay on disk (encryptionPair.ts does the same through the node
 * API: without it, 16 rounds of bench:upload --encryption both ended in ENOSPC).
 */
export async function removeForGood(user: ApiUser, fileId: string): Promise<void> {
  for (const url of [`/api/files/delete/${fileId}`, '/api/trash']) {
    const res = await user.call('DELETE', url);
    if (!res.ok) throw new Error(`DELETE ${url} answered ${res.status}`);
  }
}

/**
 * The upload is acknowledged at two replicas; the third is still writing for a while after:
 * wait, so that it does not slow what is measured next (a 1 GiB tus upload's third copy can
 * take minutes on this disk).
 */
export async function allReplicasStored(user: ApiUser, fileId: string): Promise<void> {
  await waitFor(`all replicas of ${fileId} stored`, async () => {
    const { files } = (await (await user.call('GET', '/api/files/list')).json()) as FileListResponse;
    const replicas = Object.values(files.find((f) => f.id === fileId)?.replicas ?? {});
    return replicas.length === 3 && replicas.every((state) => state === 'stored');
  }, { timeoutMs: 300_000, intervalMs: 250 });
}
