import { describe, expect, it } from 'vitest';
import { signRequest, verifyRequest, SIGNATURE_WINDOW_MS } from './requestSigning';

const secret = 'a'.repeat(64);

describe('request signing', () => {
  it('accepts a request signed with the cluster secret and names the caller', () => {
    const headers = signRequest(secret, 'us-east', 'GET', '/v1/status', 1_000_000);
    expect(verifyRequest(secret, 'GET', '/v1/status', headers, 1_000_500)).toEqual({ ok: true, caller: 'us-east' });
  });

  it('rejects another secret, another path, another method and a forged caller', () => {
    const headers = signRequest(secret, 'us-east', 'GET', '/v1/status', 1_000_000);
    expect(verifyRequest('b'.repeat(64), 'GET', '/v1/status', headers, 1_000_000).ok).toBe(false);
    expect(verifyRequest(secret, 'GET', '/v1/faults', headers, 1_000_000).ok).toBe(false);
    expect(verifyRequest(secret, 'POST', '/v1/status', headers, 1_000_000).ok).toBe(false);
    expect(verifyRequest(secret, 'GET', '/v1/status', { ...headers, 'x-geovault-caller': 'gateway' }, 1_000_000).ok).toBe(false);
  });

  it('rejects missing headers and replays outside the window', () => {
    expect(verifyRequest(secret, 'GET', '/v1/status', {}, 0)).toEqual({ ok: false, reason: 'missing signature headers' });
    const headers = signRequest(secret, 'gateway', 'GET', '/v1/status', 1_000_000);
    expect(verifyRequest(secret, 'GET', '/v1/status', headers, 1_000_000 + SIGNATURE_WINDOW_MS + 1).ok).toBe(false);
  });
});
