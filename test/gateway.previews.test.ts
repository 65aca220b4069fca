import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientFile } from '../gateway/src/api/files';
import { GatewayStack } from './support/gatewayStack';
import { signUpAndLogIn, type ApiUser } from './support/gatewayUser';

/**
 * Thumbnails and inline previews over the real mesh (issue 13): three node processes, the
 * gateway and its SMTP sink, users signed in through the real endpoints.
 */

async function upload(user: ApiUser, name: string, data: Buffer, mime: string): Promise<ClientFile> {
  const form = new FormData();
  form.append('file', new Blob([data], { type: mime }), name);
  const res = await user.call('POST', '/api/files/upload', { body: form });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return (JSON.parse(text) as { file: ClientFile }).file;
}

/** A landscape photo (noise, like a camera's) tagged EXIF orientation 6: "turn 90° to view". */
function sidewaysPhoto(width: number, height: number): Promise<Buffer> {
  const pixels = crypto.randomBytes(width * height * 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).withMetadata({ orientation: 6 }).toBuffer();
}

async function expectError(res: Response, status: number, code: string): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe(code);
}

describe('thumbnails and inline previews through the gateway (3 node processes, gateway, SMTP sink)', () => {
  let stack: GatewayStack;
  let alice: ApiUser;
  let bob: ApiUser;
  let photo: ClientFile;

  beforeAll(async () => {
    stack = await GatewayStack.start();
    [alice, bob] = await Promise.all([signUpAndLogIn(stack.url), signUpAndLogIn(stack.url)]);
    photo = await upload(alice, 'beach.jpg', await sidewaysPhoto(800, 400), 'image/jpeg');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('makes an upright WebP thumbnail of each size, with a strong ETag that answers 304', async () => {
    const small = await alice.call('GET', `/api/files/${photo.id}/thumbnail?size=small`);
    expect(small.status, await small.clone().text()).toBe(200);
    expect(small.headers.get('content-type')).toBe('image/webp');
    expect(small.headers.get('x-content-type-options')).toBe('nosniff');
    expect(small.headers.get('cache-control')).toBe('private, no-cache');
    const etag = small.headers.get('etag')!;
    expect(etag).toBe(`"${photo.sha256}-small"`);
    // 800 × 400 turned upright is 400 × 800: into the 128 px box.
    expect(await sharp(Buffer.from(await small.arrayBuffer())).metadata()).toMatchObject({ format: 'webp', width: 64, height: 128 });

    const large = await alice.call('GET', `/api/files/${photo.id}/thumbnail?size=large`);
    expect(await sharp(Buffer.from(await large.arrayBuffer())).metadata()).toMatchObject({ width: 256, height: 512 });
    expect(large.headers.get('etag')).not.toBe(etag);

    const again = await alice.call('GET', `/api/files/${photo.id}/thumbnail?size=small`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    // A URL that names the version never changes what it shows: kept without asking.
    const versioned = await alice.call('GET', `/api/files/${photo.id}/thumbnail?size=small&v=${photo.sha256}`);
    expect(versioned.status).toBe(200);
    expect(versioned.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
  });

  it('another user, no session, or a bad id gets nothing of the file', async () => {
    await expectError(await bob.call('GET', `/api/files/${photo.id}/thumbnail`), 404, 'not_found');
    await expectError(await bob.call('GET', `/api/files/${photo.id}/thumbnail`, { headers: { 'if-none-match': `"${photo.sha256}-small"` } }), 404, 'not_found');
    await expectError(await bob.call('GET', `/api/files/download/${photo.id}?inline=1`), 404, 'not_found');
    await expectError(await fetch(`${stack.url}/api/files/${photo.id}/thumbnail`), 401, 'unauthenticated');
    await expectError(await alice.call('GET', `/api/files/not-a-uuid/thumbnail`), 400, 'invalid_request');
    await expectError(await alice.call('GET', `/api/files/${photo.id}/thumbnail?size=huge`), 400, 'invalid_request');
  });

  it('a new upload under the same name is new content: a different ETag for the file the folder now lists', async () => {
    const first = await upload(alice, 'dunes.jpg', await sidewaysPhoto(400, 200), 'image/jpeg');
    const before = await alice.call('GET', `/api/files/${first.id}/thumbnail`);
    expect(before.status).toBe(200);
    const next = await upload(alice, 'dunes.jpg', await sidewaysPhoto(600, 300), 'image/jpeg');
    // With versions the name keeps its item and gets the new content; without, it is "dunes (1).jpg".
    const listed = await alice.call('GET', '/api/files/list?folder=root&limit=1000');
    const { items } = (await listed.json()) as { items: Array<{ id: string; sha256?: string }> };
    const current = items.find((item) => item.sha256 === next.sha256);
    expect(current, 'the new content is listed').toBeDefined();
    const after = await alice.call('GET', `/api/files/${current!.id}/thumbnail`, { headers: { 'if-none-match': before.headers.get('etag')! } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).toBe(`"${next.sha256}-small"`);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    expect(await sharp(Buffer.from(await after.arrayBuffer())).metadata()).toMatchObject({ width: 64, height: 128 });
  });

  it('a corrupt image and a file that is no image answer 415 preview_unavailable, and the gateway goes on', async () => {
    const good = await sidewaysPhoto(100, 100);
    const broken = await upload(alice, 'broken.jpg', Buffer.concat([good.subarray(0, 300), Buffer.alloc(2000, 1)]), 'image/jpeg');
    await expectError(await alice.call('GET', `/api/files/${broken.id}/thumbnail`), 415, 'preview_unavailable');
    const notes = await upload(alice, 'notes.txt', Buffer.from('hello'), 'text/plain');
    await expectError(await alice.call('GET', `/api/files/${notes.id}/thumbnail`), 415, 'preview_unavailable');
    const svg = await upload(alice, 'logo.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml');
    await expectError(await alice.call('GET', `/api/files/${svg.id}/thumbnail`), 415, 'preview_unavailable');
    expect((await alice.call('GET', `/api/files/${photo.id}/thumbnail`)).status).toBe(200);
  });

  it('a gateway without the cached thumbnail makes it again from the file', async () => {
    const first = await alice.call('GET', `/api/files/${photo.id}/thumbnail?size=large`);
    const bytes = Buffer.from(await first.arrayBuffer());
    const dir = path.join(stack.cluster.dataDir, 'gateway', 'thumbnails');
    const cached = await fs.readdir(dir);
    expect(cached).toContain(`${photo.sha256}-large.webp`);
    await stack.stopGateway();
    await fs.rm(dir, { recursive: true, force: true });
    await stack.startGateway();
    const again = await alice.call('GET', `/api/files/${photo.id}/thumbnail?size=large`);
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(Buffer.from(await again.arrayBuffer()).equals(bytes)).toBe(true);
    expect(await fs.readdir(dir)).toContain(`${photo.sha256}-large.webp`);
  });

  it('?inline=1 shows safe types in the page, sandboxed and never sniffed; Range still works; HTML stays an attachment', async () => {
    const inline = await alice.call('GET', `/api/files/download/${photo.id}?inline=1`);
    expect(inline.status).toBe(200);
    expect(inline.headers.get('content-type')).toBe('image/jpeg');
    expect(inline.headers.get('content-disposition')).toMatch(/^inline; filename="beach.jpg"/);
    expect(inline.headers.get('content-security-policy')).toMatch(/^sandbox;/);
    expect(inline.headers.get('x-content-type-options')).toBe('nosniff');
    await inline.arrayBuffer();

    const part = await alice.call('GET', `/api/files/download/${photo.id}?inline=1`, { headers: { range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${photo.size}`);
    expect(part.headers.get('content-disposition')).toMatch(/^inline;/);
    expect((await part.arrayBuffer()).byteLength).toBe(100);

    const code = await upload(alice, 'main.py', Buffer.from('print("<b>hi</b>")\n'), 'application/octet-stream');
    const text = await alice.call('GET', `/api/files/download/${code.id}?inline=1`);
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(text.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(await text.text()).toBe('print("<b>hi</b>")\n');

    const page = await upload(alice, 'page.html', Buffer.from('<script>alert(1)</script>'), 'text/html');
    const html = await alice.call('GET', `/api/files/download/${page.id}?inline=1`);
    expect(html.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(html.headers.get('content-security-policy')).toMatch(/^sandbox;/);
    expect(html.headers.get('x-content-type-options')).toBe('nosniff');
    await html.arrayBuffer();

    const plain = await alice.call('GET', `/api/files/download/${photo.id}`);
    expect(plain.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(plain.headers.get('content-security-policy')).toMatch(/^sandbox;/);
    await plain.arrayBuffer();
    await expectError(await alice.call('GET', `/api/files/download/${photo.id}?inline=yes`), 400, 'invalid_request');
  });
});
