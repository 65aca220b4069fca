import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayStack } from './support/gatewayStack';
import { signUpAndLogIn, type ApiUser } from './support/gatewayUser';
import { waitFor } from './support/waitFor';

/**
 * Abandoned uploads expire (issue 14): nodes started with a short GEOVAULT_UPLOAD_EXPIRY_MS.
 * Past its Upload-Expires the upload is gone through the gateway (HEAD 404), its quota
 * reservation is released, and no byte of it is left on any node's disk.
 */
const MiB = 1024 * 1024;
const EXPIRY_MS = 4_000;
const QUOTA = 10 * MiB;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Every file under `dir` whose path names `id`. */
function filesNaming(dir: string, id: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((entry) => entry.includes(id)).map((entry) => path.join(dir, entry));
}

describe('expiry of abandoned resumable uploads', () => {
  let stack: GatewayStack;
  let alice: ApiUser;

  const tus = (method: string, url: string, headers: Record<string, string> = {}, body?: Buffer) =>
    fetch(`${stack.url}${url}`, { method, headers: { authorization: `Bearer ${alice.token}`, 'tus-resumable': '1.0.0', ...headers }, body });
  const create = (length: number, filename: string) => tus('POST', '/api/uploads', { 'upload-length': String(length), 'upload-metadata': `filename ${b64(filename)}` });

  beforeAll(async () => {
    stack = await GatewayStack.start({ profile: 'lan', env: { GEOVAULT_UPLOAD_EXPIRY_MS: String(EXPIRY_MS), GEOVAULT_QUOTA_BYTES: String(QUOTA) } });
    alice = await signUpAndLogIn(stack.url, { region: 'us-east' });
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
  }, 60_000);

  it('frees the reservation and every partial byte once the upload expires, and the gateway answers 404', async () => {
    const created = await create(9 * MiB, 'abandoned.bin');
    expect(created.status).toBe(201);
    const url = created.headers.get('location')!;
    const uploadId = url.split('/').pop()!;
    const expires = Date.parse(created.headers.get('upload-expires')!);
    expect(expires).toBeGreaterThan(Date.now() - 1_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + EXPIRY_MS + 1_000);

    const patched = await tus('PATCH', url, { 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' }, crypto.randomBytes(2 * MiB));
    expect(patched.status).toBe(204);
    expect(patched.headers.get('upload-expires')).toBe(created.headers.get('upload-expires'));
    await waitFor('the partial on the nodes', () => filesNaming(stack.cluster.dataDir, uploadId).length >= 2);
    // The 9 MiB are reserved while the upload lives: 2 more cannot fit in 10.
    expect((await create(2 * MiB, 'second.bin')).status).toBe(413);

    await waitFor('HEAD to answer 404', async () => (await tus('HEAD', url)).status === 404, { timeoutMs: 60_000, intervalMs: 250 });
    expect((await tus('PATCH', url, { 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' }, Buffer.from('x'))).status).toBe(404);
    await waitFor('no byte of it left on any node', () => filesNaming(stack.cluster.dataDir, uploadId).length === 0, { timeoutMs: 60_000, intervalMs: 250 });
    await waitFor('the reservation to be released', async () => (await create(2 * MiB, 'second.bin')).status === 201, { timeoutMs: 60_000, intervalMs: 500 });
  }, 180_000);
});
