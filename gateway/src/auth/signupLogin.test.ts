import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectStatus, logIn, signUp, signUpAndLogIn, startLogin, uniqueEmail } from '../app/authFlows';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../app/testGateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());

describe('sign-up → verify → login → code → session', () => {
  it('runs the whole flow over HTTP with the codes mailed over SMTP', async () => {
    const email = uniqueEmail('flow');
    const registered = await gw.request('POST', '/api/auth/register', {
      body: { email: email.toUpperCase(), password: TEST_PASSWORD, name: 'Ada Lovelace', region: 'eu-west' },
    });
    expect(registered.status).toBe(202);
    expect(await registered.json()).toEqual({ message: expect.any(String) });

    const signupMail = await gw.takeMail(email, 'verification');
    const code = /\b(\d{6})\b/.exec(signupMail.text)![1]!;
    expect((await gw.request('POST', '/api/auth/login', { body: { email, password: TEST_PASSWORD } })).status).toBe(403);

    const verified = await gw.request('POST', '/api/auth/verify-email', { body: { email, code } });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toEqual({ verified: true });

    const challengeId = await startLogin(gw, email);
    expect(challengeId).toMatch(/^[0-9a-f-]{36}$/);
    const loginCode = await gw.takeCode(email, 'sign-in');
    const res = await gw.request('POST', '/api/auth/login/verify', { body: { challengeId, code: loginCode } });
    const body = (await expectStatus(res, 200)) as { token: string; user: Record<string, unknown> };
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(body.user).toMatchObject({ email, name: 'Ada Lovelace', region: 'eu-west', emailVerified: true });

    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('gv_session='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(session).not.toMatch(/Secure/i);
    expect(cookies.find((c) => c.startsWith('gv_csrf='))).not.toMatch(/HttpOnly/i);

    const me = await gw.request('GET', '/api/auth/me', { headers: { authorization: `Bearer ${body.token}` } });
    expect(((await expectStatus(me, 200)) as { user: { email: string } }).user.email).toBe(email);
  });

  it('serves POST /register as the same handler, defaulting the region to us-east', async () => {
    const email = uniqueEmail('legacy');
    expect((await gw.request('POST', '/register', { body: { email, password: TEST_PASSWORD, name: 'Grace' } })).status).toBe(202);
    const code = await gw.takeCode(email, 'verification');
    await expectStatus(await gw.request('POST', '/api/auth/verify-email', { body: { email, code } }), 200);
    const session = await logIn(gw, email);
    expect(session.user.region).toBe('us-east');
  });

  it('refuses a region that is not a configured node', async () => {
    const res = await gw.request('POST', '/api/auth/register', {
      body: { email: uniqueEmail(), password: TEST_PASSWORD, name: 'X', region: 'mars' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('region'),
    });
  });

  it('refuses common passwords case-insensitively and lengths outside 8 to 128', async () => {
    for (const password of ['password1', 'PassWord1', 'Qwertyuiop']) {
      const res = await gw.request('POST', '/api/auth/register', { body: { email: uniqueEmail(), password, name: 'X' } });
      expect(res.status, password).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('weak_password');
    }
    for (const password of ['short7!', 'x'.repeat(129)]) {
      const res = await gw.request('POST', '/api/auth/register', { body: { email: uniqueEmail(), password, name: 'X' } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    }
    // Trivially guessable ones (DESIGN §9): one repeated character, a run, the address's own name.
    const owner = uniqueEmail('grace.hopper');
    for (const password of ['aaaaaaaa', 'abcabcab', '12345678', owner.split('@')[0]!, `${owner.split('@')[0]!}1`]) {
      const res = await gw.request('POST', '/api/auth/register', { body: { email: owner, password, name: 'X' } });
      expect(res.status, password).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('weak_password');
    }
    // No composition rules: a long lower-case phrase is fine, and so is exactly 128 characters.
    for (const password of ['just some lowercase words', 'x'.repeat(127) + 'y']) {
      expect((await gw.request('POST', '/api/auth/register', { body: { email: uniqueEmail(), password, name: 'X' } })).status).toBe(202);
    }
  });

  it('refuses names that would forge lines, links or a sender in the code mail', async () => {
    const cases: Array<[string, string]> = [
      ['Ada\nClick https://evil.example to keep your account', 'invalid_name'],
      ['Ada\r\nBcc: someone', 'invalid_name'],
      ['Ada (see evil.com)', 'invalid_name'],
      ['Visit www.evil.example', 'invalid_name'],
      ['Ada\u202Eecnalevol', 'invalid_name'],
      ['GeoVault Support', 'reserved_name'],
      ['Admin', 'reserved_name'],
    ];
    for (const [name, code] of cases) {
      const email = uniqueEmail('named');
      const res = await gw.request('POST', '/api/auth/register', { body: { email, password: TEST_PASSWORD, name } });
      expect(res.status, name).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code, name).toBe(code);
      expect(gw.accounts.userByEmail(email), name).toBeUndefined();
    }
    // Ordinary names from anywhere still pass.
    for (const name of ['Zoë Ångström-Núñez', '李小龍', "Seán O'Brien Jr.", 'Sam Admin']) {
      const res = await gw.request('POST', '/api/auth/register', { body: { email: uniqueEmail(), password: TEST_PASSWORD, name } });
      expect(res.status, name).toBe(202);
    }
  });

  it('leaves a stored name that breaks the name rule out of its mails', async () => {
    const email = uniqueEmail('legacy-name');
    await signUp(gw, email);
    // As an account from before the rule could hold it.
    gw.accounts.userByEmail(email)!.name = 'Ada\nYour account is suspended: https://evil.example';
    await gw.accounts.commit();
    await startLogin(gw, email);
    const mail = await gw.takeMail(email, 'sign-in');
    expect(mail.text).not.toContain('evil');
    expect(mail.text.startsWith('Hello,\n')).toBe(true);
  });

  it('keeps every character of a long password significant (beyond bcrypt’s 72 bytes)', async () => {
    const email = uniqueEmail('long');
    const password = 'a'.repeat(100) + 'tail-one';
    await signUp(gw, email, password);
    const wrong = await gw.request('POST', '/api/auth/login', { body: { email, password: 'a'.repeat(100) + 'tail-two' } });
    expect(wrong.status).toBe(401);
    await startLogin(gw, email, password);
  });

  it('never writes a code, a password, or a session token to the store in the clear', async () => {
    const email = uniqueEmail('secret');
    await gw.request('POST', '/api/auth/register', { body: { email, password: TEST_PASSWORD, name: 'S' } });
    const signupCode = await gw.takeCode(email, 'verification');
    let file = await readFile(path.join(gw.gatewayDir, 'accounts.json'), 'utf8');
    expect(file).not.toContain(signupCode);
    expect(file).not.toContain(TEST_PASSWORD);
    await expectStatus(await gw.request('POST', '/api/auth/verify-email', { body: { email, code: signupCode } }), 200);
    const challengeId = await startLogin(gw, email);
    const loginCode = await gw.takeCode(email, 'sign-in');
    file = await readFile(path.join(gw.gatewayDir, 'accounts.json'), 'utf8');
    expect(file).toContain(challengeId);
    expect(file).not.toContain(loginCode);
    const res = await gw.request('POST', '/api/auth/login/verify', { body: { challengeId, code: loginCode } });
    const { token, csrfToken } = (await expectStatus(res, 200)) as { token: string; csrfToken: string };
    file = await readFile(path.join(gw.gatewayDir, 'accounts.json'), 'utf8');
    expect(file).not.toContain(token);
    expect(file).not.toContain(csrfToken);
    expect(file).toMatch(/"tokenHash": "[0-9a-f]{64}"/);
  });

  it('signs a second device in with its own session and lists both on the account screen', async () => {
    const email = uniqueEmail('devices');
    const first = await signUpAndLogIn(gw, email);
    const second = await logIn(gw, email, TEST_PASSWORD, { 'user-agent': 'phone/1.0' });
    expect(second.token).not.toBe(first.token);
    const res = await gw.request('GET', '/api/auth/sessions', { headers: bearer(second) });
    const { sessions } = (await expectStatus(res, 200)) as { sessions: Array<{ current: boolean; userAgent: string }> };
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toEqual([expect.objectContaining({ userAgent: 'phone/1.0' })]);
  });

  it('keeps a pending sign-up code and a login challenge across a restart', async () => {
    const email = uniqueEmail('restart');
    await gw.request('POST', '/api/auth/register', { body: { email, password: TEST_PASSWORD, name: 'R' } });
    const signupCode = await gw.takeCode(email, 'verification');
    await gw.restart();
    await expectStatus(await gw.request('POST', '/api/auth/verify-email', { body: { email, code: signupCode } }), 200);
    const challengeId = await startLogin(gw, email);
    const loginCode = await gw.takeCode(email, 'sign-in');
    await gw.restart();
    await expectStatus(await gw.request('POST', '/api/auth/login/verify', { body: { challengeId, code: loginCode } }), 200);
  });
});
