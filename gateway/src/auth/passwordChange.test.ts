import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectStatus, signUpAndLogIn, uniqueEmail, type SignedIn } from '../app/authFlows';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../app/testGateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ trustProxy: 'loopback' });
});
afterAll(() => gw.close());

const change = (session: SignedIn, currentPassword: string, newPassword: string, headers: Record<string, string> = {}) =>
  gw.request('POST', '/api/auth/password/change', {
    headers: { ...bearer(session), ...headers },
    body: { currentPassword, newPassword },
  });
async function error(res: Response): Promise<{ code: string; message: string }> {
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

describe('password change', () => {
  it('answers a wrong current password with its own code, still throttled', async () => {
    const session = await signUpAndLogIn(gw);
    for (let i = 0; i < 5; i += 1) {
      const res = await change(session, `not it ${i}`, 'an entirely new passphrase');
      expect(res.status).toBe(403);
      expect(await error(res)).toEqual({ code: 'wrong_current_password', message: 'Your current password is not right.' });
    }
    const throttled = await change(session, TEST_PASSWORD, 'an entirely new passphrase');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses the current password as the new one, and trivially guessable ones', async () => {
    const email = uniqueEmail('same');
    const session = await signUpAndLogIn(gw, email);
    const same = await change(session, TEST_PASSWORD, TEST_PASSWORD);
    expect(same.status).toBe(400);
    expect((await error(same)).code).toBe('password_unchanged');
    for (const password of ['aaaaaaaa', email.split('@')[0]!]) {
      const weak = await change(session, TEST_PASSWORD, password);
      expect(weak.status).toBe(400);
      expect((await error(weak)).code).toBe('weak_password');
    }
    // None of these changed anything: the session is still valid and the password unchanged.
    await expectStatus(await gw.request('GET', '/api/auth/me', { headers: bearer(session) }), 200);
  });

  it('mails the owner when the password changes, with time, client and address', async () => {
    const email = uniqueEmail('changed');
    const session = await signUpAndLogIn(gw, email);
    const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
    const headers = { 'user-agent': ua, 'x-forwarded-for': '203.0.113.7' };
    await expectStatus(await change(session, TEST_PASSWORD, 'an entirely new passphrase', headers), 200);
    const mail = await gw.takeMail(email, 'password was changed');
    expect(mail.text).toContain('2030-01-01 09:');
    expect(mail.text).toContain('Safari on macOS');
    expect(mail.text).toContain('203.0.113.7');
    expect(mail.text).not.toContain('AppleWebKit');
  });
});
