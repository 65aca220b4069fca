import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, signUp, startLogin, uniqueEmail } from '../app/authFlows';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../app/testGateway';

const MINUTE = 60_000;
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}
const verifyLogin = (challengeId: string, code: string) => gw.request('POST', '/api/auth/login/verify', { body: { challengeId, code } });
const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function register(email: string): Promise<string> {
  await expectStatus(await gw.request('POST', '/api/auth/register', { body: { email, password: TEST_PASSWORD, name: 'C' } }), 202);
  return gw.takeCode(email, 'verification');
}

describe('emailed codes', () => {
  it('are six digits and expire after 10 minutes', async () => {
    const early = uniqueEmail('ttl');
    const earlyCode = await register(early);
    expect(earlyCode).toMatch(/^\d{6}$/);
    gw.clock.advance(10 * MINUTE - 1000);
    await expectStatus(await gw.request('POST', '/api/auth/verify-email', { body: { email: early, code: earlyCode } }), 200);

    const late = uniqueEmail('ttl');
    const lateCode = await register(late);
    gw.clock.advance(10 * MINUTE + 1000);
    const res = await gw.request('POST', '/api/auth/verify-email', { body: { email: late, code: lateCode } });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('invalid_code');
  });

  it('work once', async () => {
    const email = uniqueEmail('once');
    await signUp(gw, email);
    const challengeId = await startLogin(gw, email);
    const code = await gw.takeCode(email, 'sign-in');
    await expectStatus(await verifyLogin(challengeId, code), 200);
    const again = await verifyLogin(challengeId, code);
    expect(again.status).toBe(400);
    expect(await errorCode(again)).toBe('invalid_code');
  });

  it('open only the challenge they were sent for', async () => {
    const a = uniqueEmail('a');
    const b = uniqueEmail('b');
    await signUp(gw, a);
    await signUp(gw, b);
    const challengeA = await startLogin(gw, a);
    const codeA = await gw.takeCode(a, 'sign-in');
    const challengeB = await startLogin(gw, b);
    const codeB = await gw.takeCode(b, 'sign-in');
    if (codeA !== codeB) expect((await verifyLogin(challengeB, codeA)).status).toBe(400);

    // A sign-up code is no password-reset code, even for the same address.
    const c = uniqueEmail('c');
    const signupCode = await register(c);
    const reset = await gw.request('POST', '/api/auth/password/reset', { body: { email: c, code: signupCode, password: 'a new long password' } });
    expect(reset.status).toBe(400);
    expect(await errorCode(reset)).toBe('invalid_code');
    // Nor does a sign-up code open a session, even with its challenge's id (read from the store).
    const pending = gw.accounts.challengeFor('signup', gw.accounts.userByEmail(c)!.id)!;
    expect(await errorCode(await verifyLogin(pending.id, signupCode))).toBe('invalid_code');
    await expectStatus(await gw.request('POST', '/api/auth/verify-email', { body: { email: c, code: signupCode } }), 200);

    // A newer login replaces the older challenge: its code stops working.
    const first = await startLogin(gw, a);
    const firstCode = await gw.takeCode(a, 'sign-in');
    await startLogin(gw, a);
    await gw.takeCode(a, 'sign-in');
    expect((await verifyLogin(first, firstCode)).status).toBe(400);
    // And the untouched challenges still work with their own codes.
    await expectStatus(await verifyLogin(challengeB, codeB), 200);
  });

  it('die after 5 wrong tries, even for the right code afterwards', async () => {
    const email = uniqueEmail('tries');
    await signUp(gw, email);
    const challengeId = await startLogin(gw, email);
    const code = await gw.takeCode(email, 'sign-in');
    const wrong = otherCode(code);
    for (let i = 1; i <= 4; i += 1) expect(await errorCode(await verifyLogin(challengeId, wrong))).toBe('invalid_code');
    await gw.restart(); // the count is stored, not kept in memory
    const fifth = await verifyLogin(challengeId, wrong);
    expect(fifth.status).toBe(400);
    expect(await errorCode(fifth)).toBe('code_attempts_exceeded');
    expect(await errorCode(await verifyLogin(challengeId, code))).toBe('code_attempts_exceeded');
  });

  it('four wrong tries still leave the code usable', async () => {
    const email = uniqueEmail('four');
    await signUp(gw, email);
    const challengeId = await startLogin(gw, email);
    const code = await gw.takeCode(email, 'sign-in');
    for (let i = 0; i < 4; i += 1) await verifyLogin(challengeId, otherCode(code));
    await expectStatus(await verifyLogin(challengeId, code), 200);
  });
});

describe('resend-code', () => {
  const resend = (body: unknown) => gw.request('POST', '/api/auth/resend-code', { body });

  it('waits a minute after the previous mail, replaces the code, and allows 5 resends an hour', async () => {
    const email = uniqueEmail('resend');
    await signUp(gw, email);
    gw.clock.advance(2 * MINUTE);
    const challengeId = await startLogin(gw, email);
    const firstCode = await gw.takeCode(email, 'sign-in');

    const tooSoon = await resend({ challengeId });
    expect(tooSoon.status).toBe(429);
    expect(await errorCode(tooSoon)).toBe('rate_limited');
    expect(Number(tooSoon.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(tooSoon.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    let latestCode = firstCode;
    for (let i = 1; i <= 5; i += 1) {
      gw.clock.advance(MINUTE + 1000);
      await expectStatus(await resend({ challengeId }), 202);
      latestCode = await gw.takeCode(email, 'sign-in');
    }
    gw.clock.advance(MINUTE + 1000);
    const sixth = await resend({ challengeId });
    expect(sixth.status).toBe(429);
    // The hourly cap, not the minute: the oldest of the five resends leaves the hour in ~54 min.
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(50 * 60);

    if (latestCode !== firstCode) expect((await verifyLogin(challengeId, firstCode)).status).toBe(400);
    await expectStatus(await verifyLogin(challengeId, latestCode), 200);
  });

  it('resends a sign-up code by address, and answers unknown addresses the same way', async () => {
    const email = uniqueEmail('pending');
    const oldCode = await register(email);
    const unknown = uniqueEmail('nobody');
    gw.clock.advance(MINUTE + 1000);
    const known = await resend({ email });
    const stranger = await resend({ email: unknown });
    expect(known.status).toBe(202);
    expect(stranger.status).toBe(202);
    expect(await stranger.json()).toEqual(await known.json());
    const newCode = await gw.takeCode(email, 'verification');
    if (newCode !== oldCode) {
      expect((await gw.request('POST', '/api/auth/verify-email', { body: { email, code: oldCode } })).status).toBe(400);
    }
    await expectStatus(await gw.request('POST', '/api/auth/verify-email', { body: { email, code: newCode } }), 200);
    // Throttled the same way whether or not the address has an account.
    expect((await resend({ email })).status).toBe(429);
    expect((await resend({ email: unknown })).status).toBe(429);
  });

  it('answers 404 for a login challenge that does not exist', async () => {
    expect((await resend({ challengeId: crypto.randomUUID() })).status).toBe(404);
  });
});
