import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, logIn, signUp, startLogin, uniqueEmail } from '../app/authFlows';
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
    expect(session.setCookies.map((c) => c.split('=')[0]).sort()).toEqual(['gv_csrf', 'gv_device', 'gv_session']);
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

describe('wrong codes per account (DESIGN §9: 20 an hour, then an hour locked)', () => {
  let gw2: TestGateway;
  beforeAll(async () => {
    gw2 = await startTestGateway();
  });
  afterAll(() => gw2.close());

  const post = (path: string, body: unknown) => gw2.request('POST', path, { body });
  const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
  const wrongCode = async (path: string, body: unknown) => errorCode(await post(path, body));
  const lockMails = async (to: string) => {
    const res = await gw2.request('GET', '/api/dev/mailbox');
    const { messages } = (await res.json()) as { messages: Array<{ to: string; subject: string }> };
    return messages.filter((m) => m.to === to && m.subject.includes('wrong codes'));
  };
  const resetBody = (email: string, code: string) => ({ email, code, password: 'a brand new passphrase' });

  it('counts sign-in codes across challenges, resends and restarts; then locks them and mails the owner once', async () => {
    const email = uniqueEmail('guessed');
    await signUp(gw2, email);
    const wrongAnswers: string[] = [];
    // 15 wrong sign-in codes, each password check opening a challenge with fresh tries.
    for (let i = 0; i < 15; i += 1) {
      if (i % 5 === 0) {
        const challengeId = await startLogin(gw2, email);
        const wrong = otherCode(await gw2.takeCode(email, 'sign-in'));
        for (let j = 0; j < 5; j += 1) wrongAnswers.push(await wrongCode('/api/auth/login/verify', { challengeId, code: wrong }));
      }
    }
    await gw2.restart(); // the count is stored
    // A resend gives the challenge fresh tries, not the account.
    const challengeId = await startLogin(gw2, email);
    const firstWrong = otherCode(await gw2.takeCode(email, 'sign-in'));
    for (let i = 0; i < 3; i += 1) wrongAnswers.push(await wrongCode('/api/auth/login/verify', { challengeId, code: firstWrong }));
    gw2.clock.advance(MINUTE + 1000);
    await expectStatus(await post('/api/auth/resend-code', { challengeId }), 202);
    const code = await gw2.takeCode(email, 'sign-in');
    wrongAnswers.push(await wrongCode('/api/auth/login/verify', { challengeId, code: otherCode(code) }));
    expect(wrongAnswers).toHaveLength(19);
    expect(wrongAnswers).not.toContain('codes_locked');

    const twentieth = await post('/api/auth/login/verify', { challengeId, code: otherCode(code) });
    expect(twentieth.status).toBe(429);
    expect(await errorCode(twentieth)).toBe('codes_locked');
    expect(Number(twentieth.headers.get('retry-after'))).toBe(60 * 60);

    // Locked: even the right code and a new login are refused for the hour.
    gw2.clock.advance(10 * MINUTE);
    const right = await post('/api/auth/login/verify', { challengeId, code });
    expect(right.status).toBe(429);
    expect(await errorCode(right)).toBe('codes_locked');
    expect(Number(right.headers.get('retry-after'))).toBe(50 * 60);
    const login = await post('/api/auth/login', { email, password: TEST_PASSWORD });
    expect(login.status).toBe(429);
    expect(await errorCode(login)).toBe('codes_locked');
    expect((await post('/api/auth/login', { email, password: 'not the password' })).status).toBe(401);

    const notice = await gw2.takeMail(email, 'wrong codes');
    expect(notice.text).toMatch(/until 2030-01-01 \d\d:\d\d UTC/);
    expect(notice.text).toMatch(/someone may know it/);
    expect(await lockMails(email)).toHaveLength(1);

    gw2.clock.advance(50 * MINUTE + 1000);
    const again = await startLogin(gw2, email);
    await expectStatus(await post('/api/auth/login/verify', { challengeId: again, code: await gw2.takeCode(email, 'sign-in') }), 200);
    expect(await lockMails(email)).toHaveLength(1);
  });

  it('counts mailed codes (reset, verification) across challenges; their lock never keeps the owner from signing in', async () => {
    const email = uniqueEmail('targeted');
    await signUp(gw2, email);
    const wrongAnswers: string[] = [];
    // A stranger needs no password for these: 10 wrong reset codes over two challenges…
    for (let round = 0; round < 2; round += 1) {
      gw2.clock.advance(MINUTE + 1000);
      await expectStatus(await post('/api/auth/password/forgot', { email }), 202);
      const wrong = otherCode(await gw2.takeCode(email, 'reset code'));
      for (let i = 0; i < 5; i += 1) wrongAnswers.push(await wrongCode('/api/auth/password/reset', resetBody(email, wrong)));
    }
    // …and 9 wrong verification codes (a repeated sign-up of the verified address).
    for (let round = 0; round < 2; round += 1) {
      gw2.clock.advance(MINUTE + 1000);
      await expectStatus(await post('/api/auth/register', { email, password: TEST_PASSWORD, name: 'Again' }), 202);
      for (let i = 0; i < (round === 0 ? 5 : 4); i += 1) wrongAnswers.push(await wrongCode('/api/auth/verify-email', { email, code: '123456' }));
    }
    expect(wrongAnswers).toHaveLength(19);
    expect(wrongAnswers).not.toContain('codes_locked');
    gw2.clock.advance(MINUTE + 1000);
    await expectStatus(await post('/api/auth/password/forgot', { email }), 202);
    const wrong = otherCode(await gw2.takeCode(email, 'reset code'));
    expect(await wrongCode('/api/auth/password/reset', resetBody(email, wrong))).toBe('codes_locked');
    expect(await wrongCode('/api/auth/password/reset', resetBody(email, '123456'))).toBe('codes_locked');
    await gw2.takeMail(email, 'wrong codes');

    // The owner, who has the password, still signs in.
    const challengeId = await startLogin(gw2, email);
    await expectStatus(await post('/api/auth/login/verify', { challengeId, code: await gw2.takeCode(email, 'sign-in') }), 200);
  });

  it('forgets wrong codes older than an hour', async () => {
    const email = uniqueEmail('slow');
    await signUp(gw2, email);
    for (let i = 0; i < 4; i += 1) {
      const challengeId = await startLogin(gw2, email);
      const wrong = otherCode(await gw2.takeCode(email, 'sign-in'));
      for (let j = 0; j < 5; j += 1) await post('/api/auth/login/verify', { challengeId, code: wrong });
      gw2.clock.advance(20 * MINUTE);
    }
    // 20 wrong codes, but never 20 within one hour.
    await startLogin(gw2, email);
  });
});
