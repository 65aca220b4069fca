import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { keepAliveAgent } from './keepAlive';

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function listen(keepAliveMs: number): Promise<number> {
  server = http.createServer({ keepAliveTimeout: keepAliveMs }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server!.address() as AddressInfo).port;
}

function get(port: number, agent: http.Agent): Promise<{ reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ reused: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('kept-alive connections between our processes', () => {
  it('reuse a socket while it is fresh, and let it go before the server would close it', async () => {
    const port = await listen(2_000);
    const agent = keepAliveAgent(4, 300);
    try {
      expect((await get(port, agent)).reused).toBe(false);
      await pause(50);
      expect((await get(port, agent)).reused).toBe(true);
      // Idle past the client's limit, well inside the server's: the client closed it itself, so
      // the next request takes a new socket instead of racing the server's close.
      await pause(600);
      expect((await get(port, agent)).reused).toBe(false);
    } finally {
      agent.destroy();
    }
  });

  it('honours a server that closes sooner than the client would (its Keep-Alive hint, less a margin)', async () => {
    const port = await listen(1_500);
    const agent = keepAliveAgent(4, 10_000);
    try {
      await get(port, agent);
      // The server advertises timeout=1; the agent keeps the socket 1 s less a 1 s margin: not at all.
      await pause(100);
      expect((await get(port, agent)).reused).toBe(false);
    } finally {
      agent.destroy();
    }
  });
});
