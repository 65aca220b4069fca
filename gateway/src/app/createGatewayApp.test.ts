import { mkdtemp, rm } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer } from '../mail/mailer';
import { AccountsStore } from '../store/accountsStore';
import { createGatewayApp } from './createGatewayApp';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from './testGateway';

let gw: TestGateway;
const extra = express.Router();
extra.get('/hello', (_req, res) => void res.json({ hello: 'world' }));
extra.get('/boom', () => {
  throw new Error('secret internal detail');
});
beforeAll(async () => {
  gw = await startTestGateway({ routers: [{ path: '/api/extra', router: extra }] });
});
afterAll(() => gw.close());

describe('the gateway app', () => {
  it('sends helmet’s security headers', async () => {
    const res = await gw.request('GET', '/api/auth/me');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers an oversize JSON body with 413 JSON', async () => {
    const res = await gw.request('POST', '/api/auth/register', {
      body: { email: 'big@example.org', password: TEST_PASSWORD, name: 'x'.repeat(17 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
  });

  it('answers invalid JSON with 400 JSON', async () => {
    const res = await gw.request('POST', '/api/auth/login', { body: '{"email": "a@b.c", ' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'invalid_request', message: 'The body is not valid JSON.' } });
  });

  it('validates every field and names the one that is wrong', async () => {
    const res = await gw.request('POST', '/api/auth/login/verify', { body: { challengeId: 'nope', code: '12345' } });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(/^challengeId: /);
    const noBody = await gw.request('POST', '/api/auth/login');
    expect(noBody.status).toBe(400);
  });

  it('mounts extra routers after auth and turns their errors into the JSON shape', async () => {
    expect(await (await gw.request('GET', '/api/extra/hello')).json()).toEqual({ hello: 'world' });
    const boom = await gw.request('GET', '/api/extra/boom');
    expect(boom.status).toBe(500);
    const text = await boom.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'Something went wrong.' } });
    expect(text).not.toContain('secret internal detail');
  });

  it('answers unknown routes with 404 JSON', async () => {
    const res = await gw.request('GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('shows the dev mailbox while the sink is in use', async () => {
    const res = await gw.request('GET', '/api/dev/mailbox');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ messages: expect.any(Array) });
  });

  it('shows the dev mailbox only to requests that name the gateway by its own loopback address (no DNS rebinding)', async () => {
    const port = Number(new URL(gw.url).port);
    const withHost = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: '/api/dev/mailbox', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await withHost(`127.0.0.1:${port}`)).toBe(200);
    expect(await withHost(`localhost:${port}`)).toBe(200);
    expect(await withHost('attacker.example')).toBe(404);
    expect(await withHost(`attacker.example:${port}`)).toBe(404);
    expect(await withHost(`127.0.0.1:${port + 1}`)).toBe(404);
    expect(await withHost('127.0.0.1')).toBe(404);
  });
});

describe('without the embedded sink (a real SMTP_URL)', () => {
  let server: Server;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'geovault-gw-nosink-'));
    const mailer: Mailer = { send: async () => undefined };
    const app = createGatewayApp({
      logger: pino({ level: 'silent' }),
      accounts: await AccountsStore.open(dir),
      mailer,
      regions: () => ['us-east'],
      bcryptCost: 10,
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('has no /api/dev/mailbox route', async () => {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/dev/mailbox`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
