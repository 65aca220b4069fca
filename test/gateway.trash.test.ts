import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientFile, ClientItem, FolderListResponse, ItemResponse, TrashListResponse, VersionListResponse } from '../gateway/src/api/files';
import { GatewayStack } from './support/gatewayStack';
import { signUpAndLogIn, type ApiUser } from './support/gatewayUser';
import { sha256 } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

/**
 * The trash and file versions through the gateway over the real mesh (DESIGN §5, §8; issue 13):
 * three node processes, the gateway and its SMTP sink, users signed in through the real endpoints.
 */

async function expectJson<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, `${res.url}: ${text}`).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function expectError(res: Response, status: number, code: string): Promise<void> {
  const body = await expectJson<{ error: { code: string; message: string } }>(res, status);
  expect(body.error.code, body.error.message).toBe(code);
}

const mkdir = async (user: ApiUser, parentId: string, name: string): Promise<ClientItem> =>
  (await expectJson<ItemResponse>(await user.call('POST', '/api/folders', { json: { parentId, name } }), 201)).item;

async function upload(user: ApiUser, name: string, data: Buffer, opts: { folder?: string; onConflict?: string } = {}): Promise<ClientFile> {
  const form = new FormData();
  form.append('file', new Blob([data], { type: 'text/plain' }), name);
  const query = new URLSearchParams();
  if (opts.folder) query.set('folder', opts.folder);
  if (opts.onConflict) query.set('onConflict', opts.onConflict);
  return (await expectJson<{ file: ClientFile }>(await user.call('POST', `/api/files/upload${query.size ? `?${query}` : ''}`, { body: form }), 201)).file;
}

const list = async (user: ApiUser, folder: string) => expectJson<FolderListResponse>(await user.call('GET', `/api/files/list?folder=${folder}`), 200);
const trash = async (user: ApiUser) => expectJson<TrashListResponse>(await user.call('GET', '/api/trash'), 200);
const versions = async (user: ApiUser, id: string) => (await expectJson<VersionListResponse>(await user.call('GET', `/api/files/${id}/versions`), 200)).versions;
const download = async (user: ApiUser, path: string) => {
  const res = await user.call('GET', path);
  expect(res.status, path).toBe(200);
  return Buffer.from(await res.arrayBuffer());
};
const usage = async (user: ApiUser) => (await list(user, 'root')).usage;

describe('trash and versions through the gateway (3 node processes, gateway, SMTP sink)', () => {
  let stack: GatewayStack;
  let alice: ApiUser;
  let bob: ApiUser;

  beforeAll(async () => {
    stack = await GatewayStack.start({ profile: 'lan' });
    [alice, bob] = await Promise.all([signUpAndLogIn(stack.url, { region: 'eu-west' }), signUpAndLogIn(stack.url, { region: 'us-east' })]);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('delete moves to the trash with where it was; restore puts it back, into the root when its folder is gone, with a new name on a clash', async () => {
    const docs = await mkdir(alice, 'root', 'Docs');
    const report = await upload(alice, 'report.txt', Buffer.from('the report'), { folder: docs.id });
    const notes = await upload(alice, 'notes.txt', Buffer.from('notes'), { folder: docs.id });
    await expectJson(await alice.call('DELETE', `/api/items/${report.id}`), 200);
    expect((await list(alice, docs.id)).items.map((item) => item.name)).toEqual(['notes.txt']);
    let page = await trash(alice);
    expect(page.items.map((item) => [item.name, item.originalPath, item.originalParentId])).toEqual([['report.txt', '/Docs', docs.id]]);
    expect(Date.parse(page.items[0]!.deletedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(page.retentionDays).toBe(30);
    // A trashed file is no longer downloadable as a file, and its name is free again.
    expect((await alice.call('GET', `/api/files/download/${report.id}`)).status).toBe(404);

    // Restored while its folder is there: back in Docs.
    const back = await expectJson<ItemResponse>(await alice.call('POST', `/api/trash/${report.id}/restore`), 200);
    expect(back.item).toMatchObject({ id: report.id, name: 'report.txt', parentId: docs.id });
    expect(await download(alice, `/api/files/download/${report.id}`)).toEqual(Buffer.from('the report'));

    // The file, then its folder deleted: the file comes back into the root, and a clash there gets a suffix.
    await expectJson(await alice.call('DELETE', `/api/items/${report.id}`), 200);
    await expectJson(await alice.call('DELETE', `/api/items/${docs.id}`), 200);
    page = await trash(alice);
    expect(page.items.map((item) => item.name)).toEqual(['Docs', 'report.txt']);
    expect(page.items.find((item) => item.id === report.id)!.originalPath).toBe('/Docs');
    await upload(alice, 'report.txt', Buffer.from('another report in the root'));
    const restored = await expectJson<ItemResponse>(await alice.call('POST', `/api/trash/${report.id}/restore`), 200);
    expect(restored.item).toMatchObject({ name: 'report (1).txt', parentId: 'root' });
    // The folder comes back whole, with what it held.
    await expectJson(await alice.call('POST', `/api/trash/${docs.id}/restore`), 200);
    expect((await list(alice, docs.id)).items.map((item) => item.id)).toEqual([notes.id]);
    // Only what is in the trash can be restored or purged.
    await expectError(await alice.call('POST', `/api/trash/${docs.id}/restore`), 404, 'not_found');
    await expectError(await alice.call('DELETE', `/api/trash/${notes.id}`), 404, 'not_found');
  });

  it('the trash counts toward the quota until it is purged, item by item or all at once', async () => {
    const user = await signUpAndLogIn(stack.url, { region: 'asia' });
    const big = crypto.randomBytes(300_000);
    const small = crypto.randomBytes(50_000);
    const folder = await mkdir(user, 'root', 'Old');
    const a = await upload(user, 'a.bin', big, { folder: folder.id });
    const b = await upload(user, 'b.bin', small);
    expect(await usage(user)).toMatchObject({ used: 350_000, breakdown: { files: 350_000, versions: 0, trash: 0 } });
    await expectJson(await user.call('DELETE', `/api/items/${folder.id}`), 200);
    await expectJson(await user.call('DELETE', `/api/items/${b.id}`), 200);
    expect(await usage(user)).toMatchObject({ used: 350_000, breakdown: { files: 0, versions: 0, trash: 350_000 } });
    expect((await expectJson<TrashListResponse>(await user.call('GET', '/api/trash'), 200)).items.map((item) => item.name)).toEqual(['b.bin', 'Old']);

    await expectJson(await user.call('DELETE', `/api/trash/${folder.id}`), 204);
    expect(await usage(user)).toMatchObject({ used: 50_000, breakdown: { trash: 50_000 } });
    expect((await user.call('GET', `/api/files/download/${a.id}`)).status).toBe(404);
    // Purged means gone for good: it cannot be restored.
    await expectError(await user.call('POST', `/api/trash/${folder.id}/restore`), 404, 'not_found');
    expect(await expectJson<{ purged: number }>(await user.call('DELETE', '/api/trash'), 200)).toEqual({ purged: 1 });
    expect(await usage(user)).toMatchObject({ used: 0, breakdown: { files: 0, versions: 0, trash: 0 } });
    expect((await trash(user)).items).toEqual([]);
    // Every region frees it, not only the one asked.
    await waitFor('every region to free the purged space', async () => {
      const answers = await Promise.all(stack.cluster.ids.map((node) => stack.cluster.request(node, 'GET', `/v1/users/${user.id}/usage`)));
      return (await Promise.all(answers.map(async (answer) => answer.status === 200 && ((await answer.json()) as { used: number }).used === 0))).every(Boolean);
    });
  });

  it('uploading under a taken name makes a new version; older ones download, restore as a new version and delete; all count toward the quota', async () => {
    const v1 = Buffer.from('first draft');
    const v2 = Buffer.from('second draft, longer');
    const first = await upload(alice, 'draft.txt', v1);
    const second = await upload(alice, 'draft.txt', v2);
    expect(second.id).toBe(first.id);
    const listed = (await list(alice, 'root')).items.filter((item) => item.name.startsWith('draft'));
    expect(listed.map((item) => [item.name, item.size, item.versionCount, item.sha256])).toEqual([['draft.txt', v2.length, 2, sha256(v2)]]);
    expect(await download(alice, `/api/files/download/${first.id}`)).toEqual(v2);

    let history = await versions(alice, first.id);
    expect(history.map((v) => [v.size, v.sha256, v.current])).toEqual([
      [v2.length, sha256(v2), true],
      [v1.length, sha256(v1), false],
    ]);
    const older = history[1]!.versionId;
    expect(await download(alice, `/api/files/${first.id}/versions/${older}`)).toEqual(v1);

    // Restoring the first draft makes it the current content again, as a third version.
    const restored = await expectJson<ItemResponse>(await alice.call('POST', `/api/files/${first.id}/versions/${older}/restore`), 200);
    expect(restored.item).toMatchObject({ id: first.id, size: v1.length, sha256: sha256(v1), versionCount: 3 });
    expect(await download(alice, `/api/files/download/${first.id}`)).toEqual(v1);
    history = await versions(alice, first.id);
    expect(history.map((v) => v.sha256)).toEqual([sha256(v1), sha256(v2), sha256(v1)]);

    // The current one cannot be deleted; an older one can, and frees its bytes.
    const before = await usage(alice);
    await expectError(await alice.call('DELETE', `/api/files/${first.id}/versions/${history[0]!.versionId}`), 409, 'conflict');
    await expectJson(await alice.call('DELETE', `/api/files/${first.id}/versions/${history[1]!.versionId}`), 204);
    expect((await versions(alice, first.id)).map((v) => v.sha256)).toEqual([sha256(v1), sha256(v1)]);
    const after = await usage(alice);
    expect(before.used - after.used).toBe(v2.length);
    expect(after.breakdown!.versions).toBe(before.breakdown!.versions - v2.length);

    // ?onConflict=rename keeps both as two files instead.
    const both = await upload(alice, 'draft.txt', Buffer.from('a separate file'), { onConflict: 'rename' });
    expect(both).toMatchObject({ name: 'draft (1).txt' });
    expect(both.id).not.toBe(first.id);
  });

  it('a large version restored is downloadable at once, before any node has linked its bytes', async () => {
    const v1 = crypto.randomBytes(400_000);
    const v2 = crypto.randomBytes(300_000);
    const file = await upload(alice, 'video.bin', v1);
    await upload(alice, 'video.bin', v2);
    const [, older] = await versions(alice, file.id);
    await expectJson(await alice.call('POST', `/api/files/${file.id}/versions/${older!.versionId}/restore`), 200);
    expect(sha256(await download(alice, `/api/files/download/${file.id}`))).toBe(sha256(v1));
    const range = await alice.call('GET', `/api/files/download/${file.id}`, { headers: { range: 'bytes=1000-1999' } });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer())).toEqual(v1.subarray(1000, 2000));
  });

  it('versions are the owner’s alone, and only of their own file', async () => {
    const file = await upload(alice, 'private.txt', Buffer.from('one'));
    await upload(alice, 'private.txt', Buffer.from('two'));
    const other = await upload(alice, 'other.txt', Buffer.from('other'));
    const [, older] = await versions(alice, file.id);
    await expectError(await bob.call('GET', `/api/files/${file.id}/versions`), 404, 'not_found');
    await expectError(await bob.call('GET', `/api/files/${file.id}/versions/${older!.versionId}`), 404, 'not_found');
    await expectError(await bob.call('POST', `/api/files/${file.id}/versions/${older!.versionId}/restore`), 404, 'not_found');
    await expectError(await bob.call('DELETE', `/api/files/${file.id}/versions/${older!.versionId}`), 404, 'not_found');
    await expectError(await bob.call('POST', `/api/trash/${file.id}/restore`), 404, 'not_found');
    // A version id under another of the owner's files is not found either.
    await expectError(await alice.call('GET', `/api/files/${other.id}/versions/${older!.versionId}`), 404, 'not_found');
    await expectError(await alice.call('GET', '/api/files/not-a-uuid/versions'), 400, 'invalid_request');
    expect(await versions(alice, file.id)).toHaveLength(2);
  });
});
