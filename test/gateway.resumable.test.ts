import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayStack } from './support/gatewayStack';
import { signUpAndLogIn, type ApiUser } from './support/gatewayUser';
import { startTus, tusMetadata } from './support/tusClient';
import { waitFor } from './support/waitFor';

/**
 * The gateway's tus server against the real stack (three node processes, the gateway) with
 * tus-js-client as the client: uploads cut and resumed, the protocol's refusals, termination.
 * Gateway restarts and node deaths: gateway.resumable.failover.test.ts; expiry:
 * gateway.resumable.expiry.test.ts.
 */
const MiB = 1024 * 1024;
const QUOTA = 256 * MiB;
const RETRIES = [0, 250, 500, 1_000, 2_000, 4_000];
const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const metadataHeader = (values: Record<string, string>) =>
  Object.entries(values)
    .map(([k, v]) => `${k} ${b64(v)}`)
    .join(',');

describe('resumable uploads (tus 1.0) through the gateway', () => {
  let stack: GatewayStack;
  let alice: ApiUser;
  let bob: ApiUser;

  /** A raw tus call as alice (or `as`), Tus-Resumable included unless asked otherwise. */
  const tus = (method: string, path: string, init: { headers?: Record<string, string>; body?: Buffer | ReadableStream; as?: ApiUser } = {}) =>
    fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${(init.as ?? alice).token}`, 'tus-resumable': '1.0.0', ...init.headers },
      body: init.body,
      ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);

  async function create(length: number, metadata: Record<string, string> = { filename: `f-${crypto.randomUUID()}.bin` }, as?: ApiUser): Promise<string> {
    const res = await tus('POST', '/api/uploads', { headers: { 'upload-length': String(length), 'upload-metadata': metadataHeader(metadata) }, as });
    expect(res.status, await res.clone().text()).toBe(201);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/api\/uploads\/[0-9a-f-]{36}$/);
    return location;
  }

  const patch = (url: string, offset: number, body: Buffer, headers: Record<string, string> = {}, as?: ApiUser) =>
    tus('PATCH', url, { headers: { 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset), ...headers }, body, as });

  const offsetOf = async (url: string) => {
    const res = await tus('HEAD', url);
    return res.status === 200 ? Number(res.headers.get('upload-offset')) : res.status === 404 ? 'gone' : `HTTP ${res.status}`;
  };

  async function download(itemId: string): Promise<Buffer> {
    const res = await alice.call('GET', `/api/files/download/${itemId}`);
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  }

  beforeAll(async () => {
    stack = await GatewayStack.start({ profile: 'lan', env: { GEOVAULT_QUOTA_BYTES: String(QUOTA) } });
    alice = await signUpAndLogIn(stack.url, { region: 'eu-west' });
    bob = await signUpAndLogIn(stack.url, { region: 'us-east' });
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
  }, 60_000);

  it('takes a 64 MiB upload cut at random points 5 times, each time resumed from what the server kept, with the same SHA-256 at the end', async () => {
    const data = crypto.randomBytes(64 * MiB);
    const name = 'big ü.bin';
    const chunkSize = 4 * MiB;
    const cuts = Array.from({ length: 5 }, () => Math.floor((0.05 + Math.random() * 0.85) * data.length)).sort((a, b) => a - b);
    let url: string | undefined;
    const resumes: number[] = [];
    for (const cutAt of cuts) {
      let cut!: (value: 'cut') => void;
      const wasCut = new Promise<'cut'>((resolve) => (cut = resolve));
      let cutting = false;
      const run = startTus(stack.url, alice.token, data, {
        chunkSize,
        // As any tus client: the cut PATCH may still be landing when the next one starts (409, 423).
        retryDelays: RETRIES,
        uploadUrl: url,
        metadata: tusMetadata({ filename: name, filetype: 'application/octet-stream', sha256: sha256(data) }),
        onProgress: (sent) => {
          // The connection drops mid-chunk: whatever reached two nodes is kept, the rest is not.
          if (sent < cutAt || cutting) return;
          cutting = true;
          void run.upload.abort().then(() => cut('cut'));
        },
      });
      const outcome = await Promise.race([run.done.then(() => 'finished' as const), wasCut]);
      url ??= run.upload.url!;
      resumes.push(...run.resumedAt);
      if (outcome === 'finished') break;
    }
    const last = startTus(stack.url, alice.token, data, { chunkSize, retryDelays: RETRIES, uploadUrl: url, metadata: tusMetadata({ filename: name }) });
    const { itemId } = await last.done;
    resumes.push(...last.resumedAt);

    // Each resume started where the server was: never from 0 once bytes were in, never backwards.
    expect(resumes.length).toBeGreaterThanOrEqual(3);
    expect(resumes.at(-1)!).toBeGreaterThan(0);
    for (let i = 1; i < resumes.length; i++) expect(resumes[i]!).toBeGreaterThanOrEqual(resumes[i - 1]!);

    const head = await tus('HEAD', new URL(url!).pathname);
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(data.length));
    expect(head.headers.get('upload-length')).toBe(String(data.length));
    expect(head.headers.get('x-geovault-item-id')).toBe(itemId);
    expect(head.headers.get('cache-control')).toBe('no-store');
    expect(sha256(await download(itemId!))).toBe(sha256(data));
    const list = (await (await alice.call('GET', '/api/files/list?folder=root')).json()) as { items: Array<{ id: string; name: string; size: number }> };
    expect(list.items).toContainEqual(expect.objectContaining({ id: itemId, name, size: data.length }));
  }, 300_000);

  it('puts the file in the named folder, and the same name again becomes a new version of it', async () => {
    const folder = (await (await alice.call('POST', '/api/folders', { json: { parentId: 'root', name: 'Resumable' } })).json()) as { item: { id: string } };
    const first = crypto.randomBytes(300_000);
    const second = crypto.randomBytes(200_000);
    const one = await startTus(stack.url, alice.token, first, { metadata: { filename: 'notes.txt', folder: folder.item.id, filetype: 'text/plain' } }).done;
    const two = await startTus(stack.url, alice.token, second, { metadata: { filename: 'notes.txt', folder: folder.item.id } }).done;
    expect(two.itemId).toBe(one.itemId);
    const page = (await (await alice.call('GET', `/api/files/list?folder=${folder.item.id}`)).json()) as { items: Array<{ id: string; name: string; size: number; versionCount?: number }> };
    expect(page.items).toEqual([expect.objectContaining({ id: one.itemId, name: 'notes.txt', size: second.length, versionCount: 2 })]);
    expect(sha256(await download(one.itemId!))).toBe(sha256(second));
  }, 120_000);

  it('makes the folders of a folder upload\'s relativePath, and puts the file in the deepest one', async () => {
    const data = crypto.randomBytes(10_000);
    const { itemId } = await startTus(stack.url, alice.token, data, { metadata: { filename: 'a.bin', relativePath: 'trip/day 1/a.bin' } }).done;
    const search = (await (await alice.call('GET', '/api/search?q=a.bin')).json()) as { items: Array<{ id: string; path: Array<{ name: string }> }> };
    expect(search.items.find((i) => i.id === itemId)?.path.map((p) => p.name)).toEqual(expect.arrayContaining(['trip', 'day 1']));
    const refused = await tus('POST', '/api/uploads', { headers: { 'upload-length': '1', 'upload-metadata': metadataHeader({ filename: 'x', relativePath: 'trip/../x' }) } });
    expect(refused.status).toBe(400);
  }, 60_000);

  it('creation-with-upload: one POST carries a whole small file; a file of no bytes is done at its creation', async () => {
    const data = crypto.randomBytes(50_000);
    const res = await tus('POST', '/api/uploads', {
      headers: { 'upload-length': String(data.length), 'upload-metadata': metadataHeader({ filename: 'one-shot.bin' }), 'content-type': 'application/offset+octet-stream' },
      body: data,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('upload-offset')).toBe(String(data.length));
    expect(sha256(await download(res.headers.get('x-geovault-item-id')!))).toBe(sha256(data));

    const empty = await tus('POST', '/api/uploads', { headers: { 'upload-length': '0', 'upload-metadata': metadataHeader({ filename: 'empty.txt' }) } });
    expect(empty.status).toBe(201);
    const emptyId = empty.headers.get('x-geovault-item-id');
    expect(emptyId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await download(emptyId!)).length).toBe(0);
  }, 60_000);

  it('refuses what the protocol refuses: 412 version, 401 without a session, 403 cookie without CSRF, 400 bad metadata', async () => {
    const noVersion = await fetch(`${stack.url}/api/uploads`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}`, 'upload-length': '1', 'upload-metadata': metadataHeader({ filename: 'a' }) } });
    expect(noVersion.status).toBe(412);
    expect(noVersion.headers.get('tus-version')).toBe('1.0.0');
    expect(await noVersion.json()).toEqual({ error: { code: 'tus_version', message: expect.any(String) } });

    const anonymous = await fetch(`${stack.url}/api/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '1', 'upload-metadata': metadataHeader({ filename: 'a' }) } });
    expect(anonymous.status).toBe(401);
    const cookieOnly = await fetch(`${stack.url}/api/uploads`, { method: 'POST', headers: { cookie: `gv_session=${alice.token}`, 'tus-resumable': '1.0.0', 'upload-length': '1', 'upload-metadata': metadataHeader({ filename: 'a' }) } });
    expect(cookieOnly.status).toBe(403);
    expect(((await cookieOnly.json()) as { error: { code: string } }).error.code).toBe('csrf_failed');

    const noName = await tus('POST', '/api/uploads', { headers: { 'upload-length': '1', 'upload-metadata': metadataHeader({ filetype: 'text/plain' }) } });
    expect(noName.status).toBe(400);
    expect(noName.headers.get('tus-resumable')).toBe('1.0.0');
    const badFolder = await tus('POST', '/api/uploads', { headers: { 'upload-length': '1', 'upload-metadata': metadataHeader({ filename: 'a', folder: '../x' }) } });
    expect(badFolder.status).toBe(400);
    const options = await tus('OPTIONS', '/api/uploads');
    expect(options.status).toBe(204);
    expect(options.headers.get('tus-extension')).toBe('creation,creation-with-upload,termination,expiration,checksum');
    expect(options.headers.get('tus-checksum-algorithm')).toBe('sha256');
  });

  it('refuses a file over the quota at its creation, before a single byte is sent', async () => {
    const started = Date.now();
    const res = await tus('POST', '/api/uploads', { headers: { 'upload-length': String(6 * 1024 * MiB), 'upload-metadata': metadataHeader({ filename: 'huge.iso' }) } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('quota_exceeded');
    expect(res.headers.get('location')).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers a PATCH at the wrong offset with 409 and the current offset, a wrong type with 415, too many bytes with 413', async () => {
    const data = crypto.randomBytes(1000);
    const url = await create(data.length);
    expect((await patch(url, 0, data.subarray(0, 400))).status).toBe(204);

    const wrong = await patch(url, 100, data.subarray(100, 200));
    expect(wrong.status).toBe(409);
    expect(wrong.headers.get('upload-offset')).toBe('400');
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('offset_mismatch');

    const type = await patch(url, 400, data.subarray(400), { 'content-type': 'application/octet-stream' });
    expect(type.status).toBe(415);
    expect(((await type.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');

    const tooMuch = await patch(url, 400, Buffer.concat([data.subarray(400), Buffer.alloc(10)]));
    expect(tooMuch.status).toBe(413);
    // Chunked, so that only the nodes can tell: they cut it at the declared length.
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(data.subarray(400)));
        controller.enqueue(new Uint8Array(10));
        controller.close();
      },
    });
    const tooMuchChunked = await tus('PATCH', url, { headers: { 'content-type': 'application/offset+octet-stream', 'upload-offset': '400' }, body: chunked });
    expect(tooMuchChunked.status).toBe(413);
    expect(await offsetOf(url)).toBe(400);

    const rest = await patch(url, 400, data.subarray(400));
    expect(rest.status).toBe(204);
    expect(rest.headers.get('upload-offset')).toBe('1000');
    expect(sha256(await download(rest.headers.get('x-geovault-item-id')!))).toBe(sha256(data));
  }, 60_000);

  it('answers 404 for an unknown upload and for another user’s, without touching it', async () => {
    const unknown = `/api/uploads/${crypto.randomUUID()}`;
    expect((await tus('HEAD', unknown)).status).toBe(404);
    expect((await patch(unknown, 0, Buffer.from('x'))).status).toBe(404);
    expect((await tus('DELETE', unknown)).status).toBe(404);
    expect((await tus('HEAD', '/api/uploads/not-a-uuid')).status).toBe(404);

    const bobs = await create(10, { filename: 'bob.txt' }, bob);
    expect((await patch(bobs, 0, Buffer.from('0123456789'))).status).toBe(404);
    expect((await tus('HEAD', bobs)).status).toBe(404);
    expect((await tus('DELETE', bobs)).status).toBe(404);
    const own = await tus('HEAD', bobs, { as: bob });
    expect(own.status).toBe(200);
    expect(own.headers.get('upload-offset')).toBe('0');
  });

  it('checks a chunk against its Upload-Checksum (460, nothing kept) and the whole file against its declared SHA-256 (422, nothing stored)', async () => {
    const data = crypto.randomBytes(5000);
    const url = await create(data.length, { filename: 'checked.bin', sha256: sha256(data) });
    const digest = (buffer: Buffer) => `sha256 ${crypto.createHash('sha256').update(buffer).digest('base64')}`;
    const bad = await patch(url, 0, data.subarray(0, 2000), { 'upload-checksum': digest(data.subarray(1, 2001)) });
    expect(bad.status).toBe(460);
    expect(await offsetOf(url)).toBe(0);
    expect((await patch(url, 0, data.subarray(0, 2000), { 'upload-checksum': digest(data.subarray(0, 2000)) })).status).toBe(204);
    expect((await patch(url, 0, data.subarray(0, 10), { 'upload-checksum': 'md5 AAAAAAAAAAAAAAAAAAAAAA==' })).status).toBe(400);

    const lying = crypto.randomBytes(3000);
    const lie = await create(lying.length, { filename: 'lie.bin', sha256: sha256(data) });
    const end = await patch(lie, 0, lying);
    expect(end.status).toBe(422);
    expect(((await end.json()) as { error: { code: string } }).error.code).toBe('integrity_mismatch');
    expect(await offsetOf(lie)).toBe('gone');
    const list = (await (await alice.call('GET', '/api/files/list?folder=root')).json()) as { items: Array<{ name: string }> };
    expect(list.items.map((i) => i.name)).not.toContain('lie.bin');
  }, 60_000);

  it('refuses a second PATCH while one is being written to the same upload (423), and the first one counts', async () => {
    const data = crypto.randomBytes(2 * MiB);
    const url = await create(data.length);
    let feed!: ReadableStreamDefaultController<Uint8Array>;
    const slow = new ReadableStream<Uint8Array>({ start: (controller) => void (feed = controller) });
    const first = tus('PATCH', url, { headers: { 'content-type': 'application/offset+octet-stream', 'upload-offset': '0', 'content-length': String(MiB) }, body: slow });
    feed.enqueue(new Uint8Array(data.subarray(0, 64 * 1024)));
    // Until the first one is in its node's hands, the second may still get there first.
    await new Promise((r) => setTimeout(r, 1_000));
    const second = await patch(url, 0, data.subarray(0, MiB));
    expect(second.status).toBe(423);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('upload_busy');
    feed.enqueue(new Uint8Array(data.subarray(64 * 1024, MiB)));
    feed.close();
    expect((await first).status).toBe(204);
    expect(await offsetOf(url)).toBe(MiB);
  }, 60_000);

  it('caps the bodies one user has in flight, across uploads (429), and frees the slot when a body ends', async () => {
    const dave = await signUpAndLogIn(stack.url, { region: 'us-east' });
    const PER_USER = 8; // GATEWAY_UPLOADS_PER_USER's default
    const feeds: Array<ReadableStreamDefaultController<Uint8Array>> = [];
    const running: Array<Promise<Response>> = [];
    for (let i = 0; i < PER_USER; i++) {
      const url = await create(1000, { filename: `slot-${i}.bin` }, dave);
      const body = new ReadableStream<Uint8Array>({ start: (controller) => void feeds.push(controller) });
      running.push(tus('PATCH', url, { headers: { 'content-type': 'application/offset+octet-stream', 'upload-offset': '0', 'content-length': '1000' }, body, as: dave }));
    }
    for (const feed of feeds) feed.enqueue(new Uint8Array(10));
    const extra = await create(1000, { filename: 'one too many.bin' }, dave);
    const refuse = async () => (await patch(extra, 0, Buffer.alloc(1000), {}, dave)).status;
    await waitFor('the cap to be reached', async () => (await refuse()) === 429, { timeoutMs: 20_000, intervalMs: 200 });
    for (const feed of feeds) {
      feed.enqueue(new Uint8Array(990));
      feed.close();
    }
    expect((await Promise.all(running)).map((r) => r.status)).toEqual(Array(PER_USER).fill(204));
    expect(await refuse()).toBe(204);
  }, 60_000);

  it('terminates an upload at once: gone, and its reservation released', async () => {
    // A user of their own: nothing else of theirs holds a reservation.
    const carol = await signUpAndLogIn(stack.url, { region: 'asia' });
    // Reserves almost all of the quota: a second one cannot fit while it lives.
    const big = await create(QUOTA - 1000, { filename: 'big.bin' }, carol);
    expect((await patch(big, 0, crypto.randomBytes(100_000), {}, carol)).status).toBe(204);
    const second = () => tus('POST', '/api/uploads', { headers: { 'upload-length': '2000', 'upload-metadata': metadataHeader({ filename: 'small.bin' }) }, as: carol });
    expect((await second()).status).toBe(413);

    const ended = await tus('DELETE', big, { as: carol });
    expect(ended.status).toBe(204);
    expect((await tus('HEAD', big, { as: carol })).status).toBe(404);
    expect((await patch(big, 100_000, Buffer.from('x'), {}, carol)).status).toBe(404);
    expect((await second()).status).toBe(201);
  }, 60_000);
});
