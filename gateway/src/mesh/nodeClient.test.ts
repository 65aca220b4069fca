import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeCallError, NodeClient, readJson } from './nodeClient';

/** A real HTTP server on a free loopback port standing in for a node. */
async function listen(handler: http.RequestListener, options: { checkContinue?: http.RequestListener } = {}): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  if (options.checkContinue) server.on('checkContinue', options.checkContinue);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A body that records how many bytes anyone read from it. */
function countedBody(size: number): { body: Readable; read: () => number } {
  let read = 0;
  const body = new Readable({
    read() {
      if (read >= size) return this.push(null);
      read += 1024;
      this.push(Buffer.alloc(1024));
    },
  });
  return { body, read: () => read };
}

describe('NodeClient: streamed bodies held back until the node can take them', () => {
  const servers: http.Server[] = [];
  const clients: NodeClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });
  const clientFor = (port: number) => {
    const client = new NodeClient(new Map([['n1', { host: '127.0.0.1', port }]]), 'secret');
    clients.push(client);
    return client;
  };

  it('sends the body once the node says continue', async () => {
    let received = 0;
    const { server, port } = await listen((req, res) => {
      expect(req.headers.expect).toBe('100-continue');
      req.on('data', (chunk: Buffer) => (received += chunk.length));
      req.on('end', () => res.end('{}'));
    });
    servers.push(server);
    const { body } = countedBody(64 * 1024);
    const res = await clientFor(port).request('n1', 'PATCH', '/x', { body, pool: 'stream', untouchedUntil: 'continue' });
    await readJson('n1', res);
    expect(received).toBe(64 * 1024);
  });

  it('takes no byte of the body when the node cannot be reached, and says so', async () => {
    const { server, port } = await listen(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    const counted = countedBody(64 * 1024);
    const error = await clientFor(port)
      .request('n1', 'PATCH', '/x', { body: counted.body, pool: 'stream', untouchedUntil: 'continue' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeCallError);
    expect((error as NodeCallError).unreachable).toBe(true);
    expect((error as NodeCallError).bodyUntouched).toBe(true);
    expect(counted.read()).toBe(0);
  });

  it('leaves the body alone when the node refuses before continue, and keeps what its error said', async () => {
    const { server, port } = await listen(() => undefined, {
      checkContinue: (_req, res) => {
        res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'offset_mismatch', message: 'at 5', offset: 5 } }));
      },
    });
    servers.push(server);
    const counted = countedBody(64 * 1024);
    const res = await clientFor(port).request('n1', 'PATCH', '/x', { body: counted.body, pool: 'stream', untouchedUntil: 'continue' });
    const error = (await readJson('n1', res).catch((e: unknown) => e)) as NodeCallError;
    expect(error.status).toBe(409);
    expect(error.details.offset).toBe(5);
    expect(counted.read()).toBe(0);
  });

  it('held back until connected only: sent at once, with no 100-continue round trip, and untouched by a node that cannot be reached', async () => {
    let received = 0;
    const { server, port } = await listen((req, res) => {
      expect(req.headers.expect).toBeUndefined();
      req.on('data', (chunk: Buffer) => (received += chunk.length));
      req.on('end', () => res.end('{}'));
    });
    servers.push(server);
    const client = clientFor(port);
    // Twice: a new connection, then the kept-alive one.
    for (const round of [1, 2]) {
      const { body } = countedBody(64 * 1024);
      await readJson('n1', await client.request('n1', 'PATCH', '/x', { body, pool: 'stream', untouchedUntil: 'connected' }));
      expect(received).toBe(round * 64 * 1024);
    }
    await new Promise((resolve) => server.close(resolve));
    servers.splice(0);
    client.close();
    const counted = countedBody(64 * 1024);
    const error = (await clientFor(port)
      .request('n1', 'PATCH', '/x', { body: counted.body, pool: 'stream', untouchedUntil: 'connected' })
      .catch((e: unknown) => e)) as NodeCallError;
    expect(error.unreachable).toBe(true);
    expect(error.bodyUntouched).toBe(true);
    expect(counted.read()).toBe(0);
  });

  it('held back until connected: a kept-alive socket whose node died since, unread, takes no byte either', async () => {
    const sockets: Socket[] = [];
    const { server, port } = await listen((req, res) => {
      sockets.push(req.socket);
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    servers.push(server);
    const client = clientFor(port);
    await readJson('n1', await client.request('n1', 'PATCH', '/x', { body: countedBody(1024).body, pool: 'stream', untouchedUntil: 'connected' }));
    // Back in the pool by now; the node's end of it closes, and the next request is handed it
    // before this process has read that end (the race of a node killed between two PATCHes).
    await new Promise((resolve) => setImmediate(resolve));
    const counted = countedBody(64 * 1024);
    sockets[0]!.destroy();
    const error = (await client
      .request('n1', 'PATCH', '/x', { body: counted.body, pool: 'stream', untouchedUntil: 'connected' })
      .catch((e: unknown) => e)) as NodeCallError;
    expect(error).toBeInstanceOf(NodeCallError);
    expect(error.bodyUntouched).toBe(true);
    expect(counted.read()).toBe(0);
  });

  it('without the option, a failed request may have taken bytes: not marked untouched', async () => {
    const { server, port } = await listen(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    const error = (await clientFor(port)
      .request('n1', 'PATCH', '/x', { body: countedBody(1024).body, pool: 'stream' })
      .catch((e: unknown) => e)) as NodeCallError;
    expect(error.unreachable).toBe(true);
    expect(error.bodyUntouched).toBe(false);
  });
});
