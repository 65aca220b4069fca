import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectStatus, logIn, signUpAndLogIn, uniqueEmail, type SignedIn } from '../app/authFlows';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../app/testGateway';
import { createRequireUser } from './requireUser';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let gw: TestGateway;

// Stands in for the files / skillshare routers: they mount requireUser the same way.
const echoRouter = express.Router();
beforeAll(async () => {
  gw = await startTestGateway({ routers: [{ path: '/api/echo', router: echoRouter }] });
  // Looked up per request because restart() reopens the store.
  echoRouter.use((req, res, next) => createRequireUser({ accounts: gw.accounts, now: gw.clock.now })(req, res, next));
  echoRouter.get('/', (req, res) => void res.json({ user: req.user }));
  echoRouter.post('/', (req, res) => void res.json({ user: req.user }));
});
afterAll(() => gw.close());

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}
const me = (headers: Record<string, string>) => gw.request('GET', '/api/auth/me', { headers });
const withCookie = (s: SignedIn, extra: Record<string, string> = {}) => ({ cookie: s.cookie, ...extra });

describe('sessions', () => {
  it('time out after 30 idle minutes; activity keeps them alive', async () => {
    const session = await signUpAndLogIn(gw);
    gw.clock.advance(29 * MINUTE);
    await expectStatus(await me(bearer(session)), 200);
    gw.clock.advance(29 * MINUTE);
    await expectStatus(await me(bearer(session)), 200);
    gw.clock.advance(30 * MINUTE + 1000);
    const expired = await me(bearer(session));
    expect(expired.status).toBe(401);
    expect(await errorCode(expired)).toBe('session_expired');
    expect(await errorCode(await me(bearer(session)))).toBe('unauthenticated');
  });

  it('end 12 hours after sign-in however active they are', async () => {
    const session = await signUpAndLogIn(gw);
    for (let elapsed = 0; elapsed < 12 * HOUR - 20 * MINUTE; elapsed += 20 * MINUTE) {
      gw.clock.advance(20 * MINUTE);
      await expectStatus(await me(bearer(session)), 200);
    }
    gw.clock.advance(25 * MINUTE);
    expect(await errorCode(await me(bearer(session)))).toBe('session_expired');
  });

  it('are rotated at login: the token held before stops working', async () => {
    const email = uniqueEmail('rotate');
    const before = await signUpAndLogIn(gw, email);
    const after = await logIn(gw, email, TEST_PASSWORD, { cookie: before.cookie });
    expect(after.token).not.toBe(before.token);
    expect((await me(bearer(before))).status).toBe(401);
    await expectStatus(await me(bearer(after)), 200);
  });

  it('are revoked at logout (Bearer)', async () => {
    const session = await signUpAndLogIn(gw);
    await expectStatus(await gw.request('POST', '/api/auth/logout', { headers: bearer(session) }), 200);
    expect((await me(bearer(session))).status).toBe(401);
  });

  it('are revoked at logout (cookie, with its CSRF token) and the cookies are cleared', async () => {
    const session = await signUpAndLogIn(gw);
    expect((await gw.request('POST', '/api/auth/logout', { headers: withCookie(session) })).status).toBe(403);
    await expectStatus(await me(withCookie(session)), 200);
    const res = await gw.request('POST', '/api/auth/logout', { headers: withCookie(session, { 'x-csrf-token': session.csrfToken }) });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().find((c) => c.startsWith('gv_session='))).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await me(withCookie(session))).status).toBe(401);
  });

  it('revoke-others keeps only the current one', async () => {
    const email = uniqueEmail('others');
    const laptop = await signUpAndLogIn(gw, email);
    const phone = await logIn(gw, email);
    const res = await gw.request('POST', '/api/auth/sessions/revoke-others', { headers: bearer(phone) });
    expect(await expectStatus(res, 200)).toEqual({ revoked: 1 });
    expect((await me(bearer(laptop))).status).toBe(401);
    await expectStatus(await me(bearer(phone)), 200);
  });

  it('a password change revokes every other session and rotates the current one', async () => {
    const email = uniqueEmail('change');
    const laptop = await signUpAndLogIn(gw, email);
    const phone = await logIn(gw, email);
    const res = await gw.request('POST', '/api/auth/password/change', {
      headers: bearer(phone),
      body: { currentPassword: TEST_PASSWORD, newPassword: 'an entirely new passphrase' },
    });
    const { token } = (await expectStatus(res, 200)) as { token: string };
    expect((await me(bearer(laptop))).status).toBe(401);
    expect((await me(bearer(phone))).status).toBe(401);
    await expectStatus(await me({ authorization: `Bearer ${token}` }), 200);
  });

  it('survive a gateway restart', async () => {
    const session = await signUpAndLogIn(gw);
    await gw.restart();
    await expectStatus(await me(bearer(session)), 200);
  });
});

describe('CSRF', () => {
  it('is required for state-changing cookie requests, on the auth routes and on mounted routers', async () => {
    const session = await signUpAndLogIn(gw);
    for (const path of ['/api/auth/sessions/revoke-others', '/api/echo']) {
      const none = await gw.request('POST', path, { headers: withCookie(session) });
      expect(none.status, path).toBe(403);
      expect(await errorCode(none)).toBe('csrf_failed');
      const wrong = await gw.request('POST', path, { headers: withCookie(session, { 'x-csrf-token': 'A'.repeat(43) }) });
      expect(wrong.status, path).toBe(403);
      // The token of another session does not fit this one.
      const other = await signUpAndLogIn(gw);
      expect((await gw.request('POST', path, { headers: withCookie(session, { 'x-csrf-token': other.csrfToken }) })).status).toBe(403);
      await expectStatus(await gw.request('POST', path, { headers: withCookie(session, { 'x-csrf-token': session.csrfToken }) }), 200);
    }
  });

  it('is not required for reads or for Bearer requests', async () => {
    const session = await signUpAndLogIn(gw);
    await expectStatus(await gw.request('GET', '/api/echo', { headers: withCookie(session) }), 200);
    const res = await gw.request('POST', '/api/echo', { headers: bearer(session) });
    const body = (await expectStatus(res, 200)) as { user: { id: string; sessionId: string; region: string } };
    expect(body.user).toMatchObject({ id: session.user.id, region: 'us-east', sessionId: expect.any(String) });
  });

  it('requireUser answers 401 without credentials', async () => {
    const res = await gw.request('GET', '/api/echo');
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe('unauthenticated');
  });
});
