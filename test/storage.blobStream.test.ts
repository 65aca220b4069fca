import crypto from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOB_STREAM_PROTOCOL } from '../node/src/api/files';
import { signRequest } from '../common/signing/requestSigning';
import { NodeCallError, NodeClient } from '../gateway/src/mesh/nodeClient';
import { NodeCluster } from './support/nodeCluster';
import { listFiles, newId, sha256, uploadTo } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

async function readAll(socket: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An upgrade request that is not answered with 101: its status and JSON body. */
function refusedUpgrade(port: number, pathname: string, headers: http.OutgoingHttpHeaders): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, agent: false, headers: { connection: 'Upgrade', ...headers } });
    req.on('upgrade', () => reject(new Error('the node upgraded the connection')));
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('downloads as raw byte streams (Upgrade: geovault-blob) from real node processes', () => {
  let cluster: NodeCluster;
  let client: NodeClient;
  const userId = newId();
  const fileId = newId();
  const emptyId = newId();
  const data = crypto.randomBytes(3 * 1024 * 1024 + 17);

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan' });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
    client = new NodeClient(new Map(cluster.ids.map((id) => [id, { host: '127.0.0.1', port: cluster.port(id) }])), cluster.secret);
    expect((await uploadTo(cluster, 'us-east', userId, fileId, data, { mime: 'image/png', name: 'pic ü.png' })).status).toBe(201);
    expect((await uploadTo(cluster, 'us-east', userId, emptyId, Buffer.alloc(0))).status).toBe(201);
    // The answer comes at two copies; every node is read from below, so wait for the third.
    await waitFor('every node to hold both files', async () => {
      const pages = await Promise.all(cluster.ids.map((node) => listFiles(cluster, node, userId)));
      return pages.every((page) => page.files.length === 2 && page.files.every((file) => Object.values(file.replicas).every((state) => state === 'stored')));
    });
  });
  afterAll(async () => {
    client?.close();
    await cluster?.close();
  });

  it('streams the whole file with the headers of a download, then closes', async () => {
    for (const node of cluster.ids) {
      const stream = await client.openBlobStream(node, `/v1/files/${userId}/${fileId}`);
      expect(stream.status).toBe(200);
      expect(stream.headers).toMatchObject({
        'content-length': String(data.length),
        'content-type': 'image/png',
        etag: `"${sha256(data)}"`,
        'x-geovault-file-name': encodeURIComponent('pic ü.png'),
      });
      expect(sha256(await readAll(stream.body))).toBe(sha256(data));
    }
  });

  it('streams a byte range as 206, and an empty file as no bytes at all', async () => {
    const range = await client.openBlobStream('eu-west', `/v1/files/${userId}/${fileId}`, { range: 'bytes=1000-1999' });
    expect(range.status).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes 1000-1999/${data.length}`);
    expect((await readAll(range.body)).equals(data.subarray(1000, 2000))).toBe(true);

    const empty = await client.openBlobStream('asia', `/v1/files/${userId}/${emptyId}`);
    expect(empty.status).toBe(200);
    expect(empty.headers['content-length']).toBe('0');
    expect((await readAll(empty.body)).length).toBe(0);
  });

  it('refuses with an ordinary HTTP answer: unknown file 404, range past the end 416, another protocol 400', async () => {
    const missing = await client.openBlobStream('us-east', `/v1/files/${userId}/${newId()}`).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NodeCallError);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });

    const pathname = `/v1/files/${userId}/${fileId}`;
    // A fresh signature per request: a node refuses a nonce it has seen.
    const signed = () => signRequest(cluster.secret, 'gateway', 'GET', pathname);
    const past = await refusedUpgrade(cluster.port('us-east'), pathname, { ...signed(), upgrade: BLOB_STREAM_PROTOCOL, range: `bytes=${data.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${data.length}`);
    expect(past.body).toMatchObject({ error: { code: 'range_not_satisfiable' } });

    const websocket = await refusedUpgrade(cluster.port('us-east'), pathname, { ...signed(), upgrade: 'websocket' });
    expect(websocket.status).toBe(400);
    expect(websocket.body).toMatchObject({ error: { code: 'invalid_request' } });

    const badIds = `/v1/files/${userId}/not-a-uuid`;
    const bad = await refusedUpgrade(cluster.port('us-east'), badIds, { ...signRequest(cluster.secret, 'gateway', 'GET', badIds), upgrade: BLOB_STREAM_PROTOCOL });
    expect(bad.status).toBe(400);
  });

  it('refuses an unsigned or wrongly signed stream with 401 before opening anything', async () => {
    const pathname = `/v1/files/${userId}/${fileId}`;
    const unsigned = await refusedUpgrade(cluster.port('asia'), pathname, { upgrade: BLOB_STREAM_PROTOCOL });
    expect(unsigned.status).toBe(401);
    const forged = await refusedUpgrade(cluster.port('asia'), pathname, {
      ...signRequest('not the cluster secret', 'gateway', 'GET', pathname),
      upgrade: BLOB_STREAM_PROTOCOL,
    });
    expect(forged.status).toBe(401);
  });
});
