import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectStatus, logIn, signUpAndLogIn, startLogin, uniqueEmail } from '../app/authFlows';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../app/testGateway';

const NEW_PASSWORD = 'a brand new passphrase';
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());

const forgot = (email: string) => gw.request('POST', '/api/auth/password/forgot', { body: { email } });
const reset = (email: string, code: string, password = NEW_PASSWORD) =>
  gw.request('POST', '/api/auth/password/reset', { body: { email, code, password } });

describe('password reset', () => {
  it('changes the password, revokes every session, and does not sign in', async () => {
    const email = uniqueEmail('reset');
    const laptop = await signUpAndLogIn(gw, email);
    const phone = await logIn(gw, email);
    expect(await expectStatus(await forgot(email), 202)).toEqual({ message: expect.any(String) });
    const code = await gw.takeCode(email, 'reset');

    const res = await reset(email, code);
    const body = (await expectStatus(res, 200)) as Record<string, unknown>;
    expect(body).not.toHaveProperty('token');
    expect(res.headers.getSetCookie().filter((c) => /^gv_session=[^;]/.test(c))).toEqual([]);
    for (const session of [laptop, phone]) {
      expect((await gw.request('GET', '/api/auth/me', { headers: bearer(session) })).status).toBe(401);
    }

    expect((await gw.request('POST', '/api/auth/login', { body: { email, password: TEST_PASSWORD } })).status).toBe(401);
    // The new password leads to the emailed second step, never straight to a session.
    const challengeId = await startLogin(gw, email, NEW_PASSWORD);
    const loginCode = await gw.takeCode(email, 'sign-in');
    await expectStatus(await gw.request('POST', '/api/auth/login/verify', { body: { challengeId, code: loginCode } }), 200);
  });

  it('needs the reset code: a login code or a wrong code does not do', async () => {
    const email = uniqueEmail('reset-wrong');
    await signUpAndLogIn(gw, email);
    await startLogin(gw, email);
    const loginCode = await gw.takeCode(email, 'sign-in');
    const withLoginCode = await reset(email, loginCode);
    expect(withLoginCode.status).toBe(400);
    await forgot(email);
    const code = await gw.takeCode(email, 'reset');
    await expectStatus(await reset(email, code), 200);
    expect((await reset(email, code, 'yet another passphrase')).status).toBe(400);
  });

  it('refuses a common new password without burning the code', async () => {
    const email = uniqueEmail('reset-weak');
    await signUpAndLogIn(gw, email);
    await forgot(email);
    const code = await gw.takeCode(email, 'reset');
    for (let i = 0; i < 6; i += 1) {
      const weak = await reset(email, code, 'iloveyou');
      expect(((await weak.json()) as { error: { code: string } }).error.code).toBe('weak_password');
    }
    await expectStatus(await reset(email, code), 200);
  });

  it('answers an unknown address exactly like a known one', async () => {
    const known = uniqueEmail('known');
    await signUpAndLogIn(gw, known);
    const a = await forgot(known);
    const b = await forgot(uniqueEmail('unknown'));
    expect(b.status).toBe(a.status);
    expect(await b.json()).toEqual(await a.json());
    const unknownReset = await reset(uniqueEmail('unknown'), '123456');
    expect(unknownReset.status).toBe(400);
    expect(((await unknownReset.json()) as { error: { code: string } }).error.code).toBe('invalid_code');
  });
});
