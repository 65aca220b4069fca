import crypto from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientFile, ClientItem, ItemResponse, UserInfoResponse } from '../gateway/src/api/files';
import type { ClientShare, PublicShareResponse, PublicUploadResponse, ShareListResponse, ShareResponse } from '../gateway/src/api/shares';
import { unzip } from '../gateway/src/files/zipTestSupport';
import { GatewayStack } from './support/gatewayStack';
import { signUpAndLogIn, type ApiUser } from './support/gatewayUser';
import { sha256 } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

/**
 * Share links through the real system (issue 13): three node processes, the gateway and its
 * SMTP sink. The owner works with a Bearer token; visitors are plain fetches with no account,
 * carrying only the unlock cookie a link gives them.
 */

/** Low enough to reach in a test: a drop upload over it must be refused with nothing kept. */
const QUOTA_BYTES = 16 * 1024 * 1024;
const PASSWORD_FAILURES = 3;
const OWNER_NAME = 'Test User';

async function expectJson<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, `${res.url}: ${text}`).toBe(status);
  return JSON.parse(text) as T;
}

async function mkdir(user: ApiUser, parentId: string, name: string): Promise<ClientItem> {
  return (await expectJson<ItemResponse>(await user.call('POST', '/api/folders', { json: { parentId, name } }), 201)).item;
}

async function uploaded(user: ApiUser, name: string, data: Buffer, folder: string, type = 'application/octet-stream'): Promise<ClientFile> {
  const form = new FormData();
  form.append('file', new Blob([data], { type }), name);
  return (await expectJson<{ file: ClientFile }>(await user.call('POST', `/api/files/upload?folder=${folder}`, { body: form }), 201)).file;
}

async function share(user: ApiUser, body: Record<string, unknown>): Promise<ClientShare> {
  return (await expectJson<ShareResponse>(await user.call('POST', '/api/shares', { json: body }), 201)).share;
}

const tokenOf = (link: ClientShare) => new URL(link.url).pathname.split('/').pop()!;

/** A visitor of one link: no account, only the cookies the link's answers set. */
class Visitor {
  private cookies = new Map<string, string>();
  constructor(
    private readonly base: string,
    readonly token: string,
  ) {}

  async call(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(`${this.base}/api/public/shares/${this.token}${path}`, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return res;
  }

  info(query = ''): Promise<Response> {
    return this.call(query ? `?${query}` : '');
  }

  unlock(password: string): Promise<Response> {
    return this.call('/unlock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
  }

  download(query = '', headers: Record<string, string> = {}): Promise<Response> {
    return this.call(`/download${query ? `?${query}` : ''}`, { headers });
  }

  upload(name: string, data: Buffer, type = 'application/octet-stream'): Promise<Response> {
    return this.call('/upload', { method: 'POST', headers: { 'content-type': type, 'x-file-name': encodeURIComponent(name) }, body: data });
  }
}

const NOT_FOUND_BODY = { error: { code: 'not_found', message: 'This link does not exist or no longer works.' } };

/** The one answer of a link that does not work, whatever the reason. */
async function expectGone(res: Response): Promise<void> {
  expect(res.status, res.url).toBe(404);
  expect(await res.json()).toEqual(NOT_FOUND_BODY);
}

describe('share links (3 node processes, gateway, SMTP sink)', () => {
  let stack: GatewayStack;
  let alice: ApiUser;
  let bob: ApiUser;
  /** Alice's tree: Parent/Shared/{photo.png, notes.txt, page.html, Sub/deep.txt}, Parent/Private/secret.txt, outside.txt. */
  let parent: ClientItem;
  let shared: ClientItem;
  let sub: ClientItem;
  let privateFolder: ClientItem;
  let photo: ClientFile;
  let notes: ClientFile;
  let page: ClientFile;
  let deep: ClientFile;
  let secret: ClientFile;
  let outside: ClientFile;
  /** A real PNG (noise, so that it is not tiny): thumbnails are made of it. */
  let photoBytes: Buffer;
  const notesBytes = Buffer.from('meet at the harbour\n');
  const deepBytes = Buffer.from('deep down\n');

  const visitor = (link: ClientShare) => new Visitor(stack.url, tokenOf(link));

  beforeAll(async () => {
    stack = await GatewayStack.start({
      profile: 'lan',
      env: { GEOVAULT_QUOTA_BYTES: String(QUOTA_BYTES), GATEWAY_SHARE_PASSWORD_FAILURES: String(PASSWORD_FAILURES) },
    });
    photoBytes = await sharp({ create: { width: 160, height: 120, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
    alice = await signUpAndLogIn(stack.url, { region: 'eu-west' });
    bob = await signUpAndLogIn(stack.url, { region: 'us-east' });
    parent = await mkdir(alice, 'root', 'Parent of the share');
    shared = await mkdir(alice, parent.id, 'Holiday');
    sub = await mkdir(alice, shared.id, 'Sub');
    privateFolder = await mkdir(alice, parent.id, 'Private');
    photo = await uploaded(alice, 'photo.png', photoBytes, shared.id, 'image/png');
    notes = await uploaded(alice, 'notes.txt', notesBytes, shared.id, 'text/plain');
    page = await uploaded(alice, 'page.html', Buffer.from('<script>alert(1)</script>'), shared.id, 'text/html');
    deep = await uploaded(alice, 'deep.txt', deepBytes, sub.id, 'text/plain');
    secret = await uploaded(alice, 'secret.txt', Buffer.from('not for you'), privateFolder.id);
    outside = await uploaded(alice, 'outside.txt', Buffer.from('outside'), 'root');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('creates a link with ≥ 128 bits of token, lists it for its owner only, and checks ownership', async () => {
    const link = await share(alice, { itemId: shared.id });
    expect(link).toMatchObject({ itemId: shared.id, itemName: 'Holiday', kind: 'folder', itemParentId: parent.id, hasPassword: false, uploadOnly: false, maxDownloads: null, expiresAt: null, downloads: 0, state: 'active' });
    expect(link.url).toMatch(new RegExp(`^${stack.url}/s/[A-Za-z0-9_-]+$`));
    expect(Buffer.from(tokenOf(link), 'base64url').length * 8).toBeGreaterThanOrEqual(128);

    const mine = await expectJson<ShareListResponse>(await alice.call('GET', '/api/shares'), 200);
    expect(mine.shares.map((s) => s.id)).toContain(link.id);
    const theirs = await expectJson<ShareListResponse>(await bob.call('GET', '/api/shares'), 200);
    expect(theirs.shares).toEqual([]);
    // Another user's link or item: 404, and nothing changes.
    expect((await bob.call('PATCH', `/api/shares/${link.id}`, { json: { maxDownloads: 1 } })).status).toBe(404);
    expect((await bob.call('DELETE', `/api/shares/${link.id}`)).status).toBe(404);
    expect((await bob.call('POST', '/api/shares', { json: { itemId: shared.id } })).status).toBe(404);
    expect((await fetch(`${stack.url}/api/shares`)).status).toBe(401);
    // A browser's cookie session needs the CSRF token for a write, as every cookie write does.
    const noCsrf = await fetch(`${stack.url}/api/shares`, {
      method: 'POST',
      headers: { cookie: `gv_session=${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ itemId: shared.id }),
    });
    expect(noCsrf.status).toBe(403);
    // A malformed body is a 400, never a 500; a drop link only for a folder.
    expect((await alice.call('POST', '/api/shares', { json: { itemId: shared.id, maxDownloads: 0 } })).status).toBe(400);
    expect((await alice.call('POST', '/api/shares', { json: { itemId: shared.id, expiresAt: '2001-01-01T00:00:00Z' } })).status).toBe(400);
    expect((await alice.call('POST', '/api/shares', { json: { itemId: notes.id, uploadOnly: true } })).status).toBe(400);
    const after = await expectJson<ShareListResponse>(await alice.call('GET', '/api/shares'), 200);
    expect(after.shares.find((s) => s.id === link.id)).toMatchObject({ maxDownloads: null, state: 'active' });
  });

  it('a password: nothing shown or served before it, wrong ones refused then throttled, the cookie works for that link only', async () => {
    const link = await share(alice, { itemId: shared.id, password: 'harbour at dawn' });
    expect(link.hasPassword).toBe(true);
    const guest = visitor(link);
    const locked = await expectJson<PublicShareResponse>(await guest.info(), 200);
    expect(locked).toMatchObject({ needsPassword: true, item: null });
    expect(locked.items).toBeUndefined();
    expect((await guest.download(`item=${notes.id}`)).status).toBe(403);
    expect((await guest.download()).status).toBe(403);

    expect((await guest.unlock('not the password')).status).toBe(401);
    expect((await expectJson<ShareResponse>(await guest.unlock('harbour at dawn'), 200))).toEqual({ unlocked: true });
    const open = await expectJson<PublicShareResponse>(await guest.info(), 200);
    expect(open.needsPassword).toBe(false);
    expect(open.items?.map((i) => i.name).sort()).toEqual(['Sub', 'notes.txt', 'page.html', 'photo.png']);
    const file = await guest.download(`item=${notes.id}`);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(notesBytes);

    // Changing the password locks out browsers unlocked with the old one.
    await expectJson<ShareResponse>(await alice.call('PATCH', `/api/shares/${link.id}`, { json: { password: 'a brand new phrase' } }), 200);
    expect((await expectJson<PublicShareResponse>(await guest.info(), 200)).needsPassword).toBe(true);
    // Clearing it opens the link to everyone.
    await expectJson<ShareResponse>(await alice.call('PATCH', `/api/shares/${link.id}`, { json: { password: null } }), 200);
    expect((await expectJson<PublicShareResponse>(await visitor(link).info(), 200)).needsPassword).toBe(false);

    // Wrong passwords are throttled per link: after the limit even the right one waits (429 + Retry-After).
    const guarded = await share(alice, { itemId: notes.id, password: 'the right one here' });
    const guesser = visitor(guarded);
    for (let i = 0; i < PASSWORD_FAILURES; i++) expect((await guesser.unlock(`guess number ${i}`)).status).toBe(401);
    const throttled = await guesser.unlock('the right one here');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await expectJson<PublicShareResponse>(await guesser.info(), 200)).needsPassword).toBe(true);
  });

  it('expiry: the link works until its time, then answers exactly as an unknown link does', async () => {
    const link = await share(alice, { itemId: notes.id, expiresAt: new Date(Date.now() + 2_500).toISOString() });
    const guest = visitor(link);
    expect((await expectJson<PublicShareResponse>(await guest.info(), 200)).item).toMatchObject({ name: 'notes.txt', kind: 'file' });
    expect((await guest.download()).status).toBe(200);
    await waitFor('the link to expire', async () => (await guest.info()).status === 404, { timeoutMs: 10_000, intervalMs: 250 });
    await expectGone(await guest.info());
    await expectGone(await guest.download());
    await expectGone(await guest.unlock('anything at all'));
    await expectGone(await new Visitor(stack.url, crypto.randomBytes(24).toString('base64url')).info());
    const listed = await expectJson<ShareListResponse>(await alice.call('GET', '/api/shares'), 200);
    expect(listed.shares.find((s) => s.id === link.id)?.state).toBe('expired');
    // The owner may give it more time.
    await expectJson<ShareResponse>(await alice.call('PATCH', `/api/shares/${link.id}`, { json: { expiresAt: null } }), 200);
    expect((await guest.info()).status).toBe(200);
  });

  it('a download limit counts completed downloads (a range short of the end is free), holds under concurrency, then 404', async () => {
    const link = await share(alice, { itemId: photo.id, maxDownloads: 2 });
    const guest = visitor(link);
    expect((await expectJson<PublicShareResponse>(await guest.info(), 200)).downloadsLeft).toBe(2);
    const part = await guest.download('', { range: 'bytes=0-99' });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    const first = await guest.download();
    expect(sha256(Buffer.from(await first.arrayBuffer()))).toBe(sha256(photoBytes));
    // The range that ends the file counts: that was the second and last.
    const tail = await guest.download('', { range: `bytes=100-${photoBytes.length - 1}` });
    expect(tail.status).toBe(206);
    await tail.arrayBuffer();
    await expectGone(await guest.download());
    await expectGone(await guest.info());
    const listed = await expectJson<ShareListResponse>(await alice.call('GET', '/api/shares'), 200);
    expect(listed.shares.find((s) => s.id === link.id)).toMatchObject({ downloads: 2, state: 'used_up' });

    // Ten visitors at once on a link allowing one: one gets the file, nine the 404. The file is
    // larger than what the sockets buffer, so the first download is still going (its body unread)
    // when the others ask.
    const big = await uploaded(alice, 'big.bin', crypto.randomBytes(6 * 1024 * 1024), 'root');
    const single = await share(alice, { itemId: big.id, maxDownloads: 1 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => visitor(single).download()));
    const statuses = await Promise.all(answers.map(async (res) => (await res.arrayBuffer(), res.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 404)).toHaveLength(9);

    // A folder's zip counts as one.
    const folderLink = await share(alice, { itemId: sub.id, maxDownloads: 1 });
    const zipped = await visitor(folderLink).download();
    expect(zipped.status).toBe(200);
    expect((await unzip(Buffer.from(await zipped.arrayBuffer()))).map((e) => e.name)).toEqual(['deep.txt']);
    await expectGone(await visitor(folderLink).download());
  });

  it('revoking: the link answers 404 at once, and is gone from the list', async () => {
    const link = await share(alice, { itemId: notes.id });
    const guest = visitor(link);
    expect((await guest.info()).status).toBe(200);
    await expectJson(await alice.call('DELETE', `/api/shares/${link.id}`), 200);
    await expectGone(await guest.info());
    await expectGone(await guest.download());
    const listed = await expectJson<ShareListResponse>(await alice.call('GET', '/api/shares'), 200);
    expect(listed.shares.map((s) => s.id)).not.toContain(link.id);
    expect((await alice.call('DELETE', `/api/shares/${link.id}`)).status).toBe(404);
  });

  it('browsing a shared folder never reaches outside its subtree', async () => {
    const link = await share(alice, { itemId: shared.id });
    const guest = visitor(link);
    const top = await expectJson<PublicShareResponse>(await guest.info(), 200);
    expect(top.item).toMatchObject({ id: shared.id, name: 'Holiday', parentId: null });
    expect(top.folder).toEqual({ id: shared.id, name: 'Holiday', path: [] });
    expect(top.items?.every((i) => i.parentId === shared.id)).toBe(true);
    const inner = await expectJson<PublicShareResponse>(await guest.info(`folder=${sub.id}`), 200);
    expect(inner.folder).toEqual({ id: sub.id, name: 'Sub', path: [{ id: shared.id, name: 'Holiday' }] });
    expect(inner.items?.map((i) => i.name)).toEqual(['deep.txt']);
    expect(Buffer.from(await (await guest.download(`item=${deep.id}`)).arrayBuffer())).toEqual(deepBytes);

    // The folder above, a sibling, a file in the sibling, the root, another user's id: all the same 404.
    for (const id of [parent.id, privateFolder.id, secret.id, outside.id, crypto.randomUUID()]) {
      await expectGone(await guest.info(`folder=${id}`));
      await expectGone(await guest.download(`item=${id}`));
    }
    expect((await guest.info('folder=root')).status).toBe(400);
    expect((await guest.info('folder=..%2F')).status).toBe(400);
    // A file link reaches that file only.
    const fileGuest = visitor(await share(alice, { itemId: notes.id }));
    await expectGone(await fileGuest.download(`item=${photo.id}`));
    await expectGone(await fileGuest.info(`folder=${shared.id}`));

    // The whole folder as a zip: what it holds, nothing beside it.
    const zip = await guest.download();
    expect(zip.headers.get('content-type')).toBe('application/zip');
    const entries = await unzip(Buffer.from(await zip.arrayBuffer()));
    expect(entries.map((e) => e.name).sort()).toEqual(['Sub/', 'Sub/deep.txt', 'notes.txt', 'page.html', 'photo.png']);
    expect(sha256(entries.find((e) => e.name === 'photo.png')!.data)).toBe(sha256(photoBytes));

    // Moved out of the folder, a file is out of the link's reach.
    await expectJson(await alice.call('PATCH', `/api/items/${deep.id}`, { json: { parentId: privateFolder.id } }), 200);
    await expectGone(await guest.download(`item=${deep.id}`));
    await expectJson(await alice.call('PATCH', `/api/items/${deep.id}`, { json: { parentId: sub.id } }), 200);
  });

  it('previews only safe types inline, sandboxed; anything else comes as an attachment', async () => {
    const guest = visitor(await share(alice, { itemId: shared.id }));
    const image = await guest.download(`item=${photo.id}&inline=1`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('content-security-policy')).toMatch(/^sandbox/);
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    expect(image.headers.get('content-disposition')).toMatch(/^inline;/);
    await image.arrayBuffer();
    const html = await guest.download(`item=${page.id}&inline=1`);
    expect(html.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(html.headers.get('content-security-policy')).toMatch(/^sandbox/);
    await html.arrayBuffer();

    // Thumbnails of a shared folder's pictures: made as the file manager makes them, never kept
    // by a cache, and only inside the folder.
    const thumbnail = await guest.call(`/thumbnail?item=${photo.id}`);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect(thumbnail.headers.get('cache-control')).toBe('no-store');
    expect((await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata()).width).toBe(128);
    await expectGone(await guest.call(`/thumbnail?item=${secret.id}`));
    const locked = visitor(await share(alice, { itemId: shared.id, password: 'a thumbnail guard' }));
    expect((await locked.call(`/thumbnail?item=${photo.id}`)).status).toBe(403);
  });

  it('a drop link takes uploads into the folder, counted in the owner\'s quota, never overwriting, and shows nothing', async () => {
    const inbox = await mkdir(alice, 'root', 'Inbox');
    const original = Buffer.from('the owner\'s own report');
    const existing = await uploaded(alice, 'report.txt', original, inbox.id);
    const link = await share(alice, { itemId: inbox.id, uploadOnly: true });
    const guest = visitor(link);
    const info = await expectJson<PublicShareResponse>(await guest.info(), 200);
    expect(info).toMatchObject({ uploadOnly: true, item: { name: 'Inbox', kind: 'folder' } });
    expect(info.items).toBeUndefined();
    await expectGone(await guest.info(`folder=${inbox.id}`));
    await expectGone(await guest.download());
    await expectGone(await guest.download(`item=${existing.id}`));

    const usage = async () => (await expectJson<UserInfoResponse>(await alice.call('GET', '/api/user/info'), 200)).usage.used;
    const before = await usage();
    const dropped = Buffer.from(JSON.stringify({ hello: 'from a stranger' }));
    const answer = await expectJson<PublicUploadResponse>(await guest.upload('report.txt', dropped, 'application/json'), 201);
    expect(answer.file).toEqual({ name: 'report (1).txt', size: dropped.length });
    expect(await usage()).toBe(before + dropped.length);
    const listing = await expectJson<{ items: ClientItem[] }>(await alice.call('GET', `/api/files/list?folder=${inbox.id}`), 200);
    expect(listing.items.map((i) => i.name).sort()).toEqual(['report (1).txt', 'report.txt']);
    const kept = await alice.call('GET', `/api/files/download/${existing.id}`);
    expect(Buffer.from(await kept.arrayBuffer())).toEqual(original);
    const droppedItem = listing.items.find((i) => i.name === 'report (1).txt')!;
    expect(Buffer.from(await (await alice.call('GET', `/api/files/download/${droppedItem.id}`)).arrayBuffer())).toEqual(dropped);

    // Over the owner's quota: refused before the bytes, nothing kept.
    const tooBig = crypto.randomBytes(QUOTA_BYTES);
    const refused = await guest.upload('big.bin', tooBig);
    expect(refused.status).toBe(413);
    expect(await usage()).toBe(before + dropped.length);
    // A download link takes no uploads.
    await expectGone(await visitor(await share(alice, { itemId: shared.id })).upload('x.txt', Buffer.from('x')));
  });

  it('link answers leak nothing about the owner or what lies above the shared item', async () => {
    const folderLink = await share(alice, { itemId: shared.id });
    const fileLink = await share(alice, { itemId: notes.id });
    const guest = visitor(folderLink);
    const answers = [
      await guest.info(),
      await guest.info(`folder=${sub.id}`),
      await visitor(fileLink).info(),
      await visitor(await share(alice, { itemId: shared.id, uploadOnly: true })).info(),
    ];
    const forbidden = [alice.id, alice.email, OWNER_NAME, parent.id, parent.name, privateFolder.id, 'root', 'replicas', 'sha256', 'eu-west'];
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-robots-tag')).toMatch(/noindex/);
      const text = await res.text();
      for (const word of forbidden) expect(text, `${res.url} mentions ${word}`).not.toContain(word);
    }
    const download = await visitor(fileLink).download();
    expect(download.headers.get('x-geovault-served-by')).toBeNull();
    expect(download.headers.get('cache-control')).toBe('no-store');
    await download.arrayBuffer();
    const pageRes = await fetch(`${stack.url}/s/${tokenOf(fileLink)}`, { headers: { accept: 'text/html' } });
    expect(pageRes.headers.get('x-robots-tag')).toMatch(/noindex/);
    expect(pageRes.headers.get('referrer-policy')).toBe('no-referrer');
    await pageRes.arrayBuffer();
  });

  it('an item deleted (in the trash) makes its link 404; the owner\'s list shows it', async () => {
    const doomed = await uploaded(alice, 'doomed.txt', Buffer.from('soon gone'), 'root');
    const link = await share(alice, { itemId: doomed.id });
    const guest = visitor(link);
    expect((await guest.info()).status).toBe(200);
    await expectJson(await alice.call('DELETE', `/api/items/${doomed.id}`), 200);
    await expectGone(await guest.info());
    await expectGone(await guest.download());
    const listed = await expectJson<ShareListResponse>(await alice.call('GET', '/api/shares'), 200);
    expect(listed.shares.find((s) => s.id === link.id)).toMatchObject({ state: 'item_missing', itemName: 'doomed.txt', itemParentId: null });
  });
});
