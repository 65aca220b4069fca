import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, logIn, signUp, uniqueEmail } from '../app/authFlows';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../app/testGateway';

const MINUTE = 60_000;
let gw: TestGateway;
beforeAll(async () => {
  // Behind a (pretend) TLS proxy on loopback, so X-Forwarded-For / -Proto are believed.
  gw = await startTestGateway({ trustProxy: 'loopback', policy: { loginFailuresPerAccount: 5, loginFailuresPerIp: 8 } });
});
afterAll(() => gw.close());

const login = (email: string, password: string, ip: string) =>
  gw.request('POST', '/api/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': ip } });

describe('login throttling', () => {
  it('locks an account after 5 failures, from any address, until the window passes', async () => {
    const email = uniqueEmail('victim');
    await signUp(gw, email);
    for (let i = 1; i <= 5; i += 1) expect((await login(email, 'guess number ' + i, `10.0.0.${i}`)).status).toBe(401);
    const locked = await login(email, TEST_PASSWORD, '10.0.0.99');
    expect(locked.status).toBe(429);
    expect(((await locked.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    gw.clock.advance(15 * MINUTE + 1000);
    expect((await login(email, TEST_PASSWORD, '10.0.0.99')).status).toBe(202);
  });

  it('locks unknown addresses the same way (a 429 says nothing about the account)', async () => {
    const ghost = uniqueEmail('ghost');
    for (let i = 1; i <= 5; i += 1) expect((await login(ghost, 'guess', `10.0.1.${i}`)).status).toBe(401);
    expect((await login(ghost, 'guess', '10.0.1.99')).status).toBe(429);
  });

  it('throttles one address guessing across many accounts', async () => {
    gw.clock.advance(15 * MINUTE + 1000);
    for (let i = 1; i <= 8; i += 1) expect((await login(uniqueEmail('spray'), 'Summer2024!', '10.9.9.9')).status).toBe(401);
    const email = uniqueEmail('innocent');
    await signUp(gw, email);
    const blocked = await login(email, TEST_PASSWORD, '10.9.9.9');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The same account from another address is unaffected.
    expect((await login(email, TEST_PASSWORD, '10.8.8.8')).status).toBe(202);
  });

  it('sets the Secure flag on cookies when the request came over TLS', async () => {
    gw.clock.advance(15 * MINUTE + 1000);
    const email = uniqueEmail('tls');
    await signUp(gw, email);
    const session = await logIn(gw, email, TEST_PASSWORD, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '10.7.7.7' });
    expect(session.setCookies.length).toBe(2);
    for (const cookie of session.setCookies) expect(cookie).toMatch(/;\s*Secure/i);
  });
});

describe('per-IP ceiling on auth requests', () => {
  let small: TestGateway;
  beforeAll(async () => {
    small = await startTestGateway({ policy: { authRequestsPerIp: 3 } });
  });
  afterAll(() => small.close());

  it('answers 429 JSON with Retry-After once the ceiling is reached', async () => {
    for (let i = 0; i < 3; i += 1) {
      await expectStatus(await small.request('POST', '/api/auth/password/forgot', { body: { email: uniqueEmail() } }), 202);
    }
    const res = await small.request('POST', '/api/auth/password/forgot', { body: { email: uniqueEmail() } });
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
