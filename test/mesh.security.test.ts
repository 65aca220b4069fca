import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../common/signing/requestSigning';
import { NodeCluster } from './support/nodeCluster';
import { waitFor } from './support/waitFor';

describe('node endpoints accept only the cluster (real processes, lan profile)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan' });
    await cluster.startAll();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('answers 401 with a JSON error to unsigned and wrongly signed requests', async () => {
    const unsigned = await cluster.request('us-east', 'GET', '/v1/status', undefined, { sign: false });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    const forged = await fetch(`${cluster.url('us-east')}/v1/status`, { headers: signRequest('f'.repeat(64), 'gateway', 'GET', '/v1/status') });
    expect(forged.status).toBe(401);
  });

  it('refuses an unsigned WebSocket handshake on the gossip and events paths', async () => {
    for (const path of ['/v1/gossip', '/v1/events']) {
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${cluster.port('us-east')}${path}`);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => reject(new Error(`${path} accepted an unsigned handshake`)));
        ws.on('error', () => {});
      });
      expect(status).toBe(401);
    }
  });

  it('refuses a signed request sent again, with its own body or another one', async () => {
    const body = JSON.stringify({ clear: true });
    const headers = { ...signRequest(cluster.secret, 'gateway', 'POST', '/v1/faults', { body }), 'content-type': 'application/json' };
    const url = `${cluster.url('asia')}/v1/faults`;
    expect((await fetch(url, { method: 'POST', headers, body })).status).toBe(200);
    const swapped = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ paused: true }) });
    expect(swapped.status).toBe(401);
    expect(((await swapped.json()) as { error: { message: string } }).error.message).toMatch(/replayed/);
    expect((await fetch(url, { method: 'POST', headers, body })).status).toBe(401);
    expect((await cluster.status('asia')).faults.paused).toBe(false);
  });

  it('refuses a JSON body that does not match its signed digest, or was signed as a stream', async () => {
    const url = `${cluster.url('asia')}/v1/faults`;
    const signedForClear = signRequest(cluster.secret, 'gateway', 'POST', '/v1/faults', { body: JSON.stringify({ clear: true }) });
    const altered = await fetch(url, { method: 'POST', headers: { ...signedForClear, 'content-type': 'application/json' }, body: JSON.stringify({ paused: true }) });
    expect(altered.status).toBe(401);
    expect(((await altered.json()) as { error: { message: string } }).error.message).toMatch(/digest/);
    const asStream = signRequest(cluster.secret, 'gateway', 'POST', '/v1/faults', { streamed: true });
    expect((await fetch(url, { method: 'POST', headers: { ...asStream, 'content-type': 'application/json' }, body: JSON.stringify({ paused: true }) })).status).toBe(401);
    expect((await cluster.status('asia')).faults.paused).toBe(false);
  });

  it('refuses a gossip handshake sent again (a captured handshake cannot be used to inject facts)', async () => {
    const headers = signRequest(cluster.secret, 'eu-west', 'GET', '/v1/gossip');
    const handshake = () =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${cluster.port('us-east')}/v1/gossip`, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => {});
      });
    expect(await handshake()).toBe(101);
    expect(await handshake()).toBe(401);
  });

  it('logs a sample of a flood of unsigned handshakes, not every one', async () => {
    const attempt = () =>
      new Promise<void>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${cluster.port('eu-west')}/v1/gossip`);
        ws.on('unexpected-response', () => resolve());
        ws.on('error', () => resolve());
      });
    for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 10 }, attempt));
    await waitFor('the refusals to be logged', () => /refused an unsigned upgrade/.test(cluster.logs('eu-west')));
    const logged = cluster.logs('eu-west').match(/refused an unsigned upgrade/g)!.length;
    // 5 a kind per 10 s: the 200 refusals above fit in one or two windows.
    expect(logged).toBeLessThanOrEqual(10);
  });

  it('validates fault requests', async () => {
    const bad = await cluster.request('us-east', 'POST', '/v1/faults', { lossPercent: 140 });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toMatch(/lossPercent/);
    expect((await cluster.request('us-east', 'POST', '/v1/faults', { paused: 'yes' })).status).toBe(400);
  });

  it('drops garbage frames on the gossip socket and keeps gossiping', async () => {
    const headers = signRequest(cluster.secret, 'eu-west', 'GET', '/v1/gossip');
    const ws = new WebSocket(`ws://127.0.0.1:${cluster.port('us-east')}/v1/gossip`, { headers });
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    });
    ws.send('not json at all {{{');
    ws.send(JSON.stringify({ type: 'ping', seq: -1, target: 'us-east', updates: [] }));
    ws.send(JSON.stringify({ type: 'delta', facts: [{ origin: '../etc', seq: 1, key: 'k', value: 1, version: {} }] }));
    ws.send(JSON.stringify({ type: 'launch-missiles' }));
    ws.send(Buffer.from([0xff, 0x00, 0x13]));
    ws.send(JSON.stringify({ type: 'gossip', updates: Array.from({ length: 1000 }, () => ({ kind: 'dead', node: 'asia', incarnation: 1e9, from: 'eu-west' })) }));

    await waitFor('us-east to count the malformed frames', async () => (await cluster.status('us-east')).gossip.malformedFrames >= 6);
    ws.close();
    const status = await cluster.status('us-east');
    expect(status.members.filter((m) => m.id !== 'us-east' && m.state === 'alive').map((m) => m.id).sort()).toEqual(['asia', 'eu-west']);
    expect(cluster.logs('us-east')).toMatch(/dropped a malformed gossip frame/);
  });

  it('refuses gossip from a caller that is not a configured peer', async () => {
    const headers = signRequest(cluster.secret, 'gateway', 'GET', '/v1/gossip');
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${cluster.port('us-east')}/v1/gossip`, { headers });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
    expect(status).toBe(403);
  });

  it('streams a snapshot and then events to a signed watcher', async () => {
    const headers = signRequest(cluster.secret, 'gateway', 'GET', '/v1/events');
    const ws = new WebSocket(`ws://127.0.0.1:${cluster.port('eu-west')}/v1/events`, { headers });
    const events: Array<{ type: string }> = [];
    ws.on('message', (data) => events.push(JSON.parse(data.toString())));
    await waitFor('the snapshot', () => events.length > 0);
    expect(events[0]!.type).toBe('snapshot');
    await cluster.request('eu-west', 'PUT', '/v1/kv/watched', { value: 42 });
    await cluster.request('eu-west', 'POST', '/v1/faults', { lossPercent: 5 });
    await waitFor('an index event and a faults event', () => events.some((e) => e.type === 'index') && events.some((e) => e.type === 'faults'));
    await cluster.request('eu-west', 'POST', '/v1/faults', { clear: true });
    ws.close();
  });
});
