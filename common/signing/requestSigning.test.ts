import { describe, expect, it } from 'vitest';
import { NonceRegistry } from './nonceRegistry';
import { CONTENT_DIGEST_HEADER, NONCE_HEADER, sha256Hex, signRequest, SIGNATURE_WINDOW_MS, UNSIGNED_PAYLOAD, verifyRequest } from './requestSigning';

const secret = 'a'.repeat(64);
const now = 1_000_000;

describe('request signing', () => {
  it('accepts a request signed with the cluster secret and names the caller, its nonce and body digest', () => {
    const headers = signRequest(secret, 'us-east', 'POST', '/v1/faults', { body: '{"clear":true}', now });
    const verdict = verifyRequest(secret, 'POST', '/v1/faults', headers, now + 500);
    expect(verdict).toEqual({ ok: true, caller: 'us-east', sentAt: now, nonce: headers[NONCE_HEADER], contentDigest: sha256Hex('{"clear":true}') });
  });

  it('gives every request its own nonce', () => {
    const a = signRequest(secret, 'gateway', 'GET', '/v1/status', { now });
    const b = signRequest(secret, 'gateway', 'GET', '/v1/status', { now });
    expect(a[NONCE_HEADER]).toMatch(/^[0-9a-f]{32}$/);
    expect(a[NONCE_HEADER]).not.toBe(b[NONCE_HEADER]);
  });

  it('rejects another secret, path, method, caller, nonce or body digest', () => {
    const headers = signRequest(secret, 'us-east', 'GET', '/v1/status', { now });
    expect(verifyRequest('b'.repeat(64), 'GET', '/v1/status', headers, now).ok).toBe(false);
    expect(verifyRequest(secret, 'GET', '/v1/faults', headers, now).ok).toBe(false);
    expect(verifyRequest(secret, 'POST', '/v1/status', headers, now).ok).toBe(false);
    expect(verifyRequest(secret, 'GET', '/v1/status', { ...headers, 'x-geovault-caller': 'gateway' }, now).ok).toBe(false);
    expect(verifyRequest(secret, 'GET', '/v1/status', { ...headers, [NONCE_HEADER]: 'f'.repeat(32) }, now).ok).toBe(false);
    expect(verifyRequest(secret, 'GET', '/v1/status', { ...headers, [CONTENT_DIGEST_HEADER]: sha256Hex('x') }, now).ok).toBe(false);
    expect(verifyRequest(secret, 'GET', '/v1/status', { ...headers, [CONTENT_DIGEST_HEADER]: UNSIGNED_PAYLOAD }, now).ok).toBe(false);
  });

  it('signs a streamed body as UNSIGNED-PAYLOAD', () => {
    const headers = signRequest(secret, 'gateway', 'PUT', '/v1/files/u/f', { streamed: true, now });
    expect(verifyRequest(secret, 'PUT', '/v1/files/u/f', headers, now)).toMatchObject({ ok: true, contentDigest: UNSIGNED_PAYLOAD });
  });

  it('rejects missing or malformed headers and requests outside the window', () => {
    expect(verifyRequest(secret, 'GET', '/v1/status', {}, 0)).toEqual({ ok: false, reason: 'missing signature headers' });
    const headers = signRequest(secret, 'gateway', 'GET', '/v1/status', { now });
    expect(verifyRequest(secret, 'GET', '/v1/status', { ...headers, [NONCE_HEADER]: 'short' }, now)).toEqual({ ok: false, reason: 'malformed signature headers' });
    expect(verifyRequest(secret, 'GET', '/v1/status', headers, now + SIGNATURE_WINDOW_MS + 1).ok).toBe(false);
    expect(verifyRequest(secret, 'GET', '/v1/status', headers, now - SIGNATURE_WINDOW_MS - 1).ok).toBe(false);
  });
});

describe('nonce registry', () => {
  it('takes a nonce once within the window', () => {
    const nonces = new NonceRegistry();
    expect(nonces.claim('n1', now, now)).toBe(true);
    expect(nonces.claim('n1', now, now + 1_000)).toBe(false);
    expect(nonces.claim('n2', now, now + 1_000)).toBe(true);
  });

  it('forgets nonces once their requests are too old to be accepted anyway', () => {
    const nonces = new NonceRegistry(100, SIGNATURE_WINDOW_MS);
    for (let i = 0; i < 50; i++) nonces.claim(`old${i}`, now + i, now + i);
    expect(nonces.size).toBe(50);
    nonces.claim('fresh', now + SIGNATURE_WINDOW_MS + 60, now + SIGNATURE_WINDOW_MS + 60);
    expect(nonces.size).toBe(1);
  });

  it('when full, drops the oldest nonce and refuses requests sent at or before it, so no replay gets through', () => {
    const nonces = new NonceRegistry(3);
    expect(nonces.claim('a', now + 1, now + 10)).toBe(true);
    expect(nonces.claim('b', now + 2, now + 10)).toBe(true);
    expect(nonces.claim('c', now + 3, now + 10)).toBe(true);
    expect(nonces.claim('d', now + 4, now + 10)).toBe(true);
    expect(nonces.size).toBe(3);
    // 'a' was dropped: sending it again must still fail.
    expect(nonces.claim('a', now + 1, now + 11)).toBe(false);
    // So must any other request sent no later than it.
    expect(nonces.claim('e', now + 1, now + 11)).toBe(false);
    expect(nonces.claim('f', now + 5, now + 11)).toBe(true);
  });
});
