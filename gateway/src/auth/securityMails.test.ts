import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectStatus, logIn, signUp, signUpAndLogIn, uniqueEmail } from '../app/authFlows';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from '../app/testGateway';

/** DESIGN §9: "Password change, reset and a login from a new device are mailed". */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ trustProxy: 'loopback' });
});
afterAll(() => gw.close());

const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME_ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';

async function subjectsTo(to: string): Promise<string[]> {
  const res = await gw.request('GET', '/api/dev/mailbox');
  const { messages } = (await res.json()) as { messages: Array<{ to: string; subject: string }> };
  return messages.filter((m) => m.to === to).map((m) => m.subject);
}
/** Mail goes out in the background: give a mail that should not come the time it would take. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
const deviceCookie = (setCookies: string[]) => setCookies.find((c) => c.startsWith('gv_device='))!.split(';')[0]!;

describe('sign-in from a new device', () => {
  it('is mailed, unless the account has never signed in or the device is known', async () => {
    const email = uniqueEmail('devices');
    await signUp(gw, email);
    const laptop = await logIn(gw, email, TEST_PASSWORD, { 'user-agent': FIREFOX_WINDOWS });
    const laptopDevice = deviceCookie(laptop.setCookies);
    expect(laptop.setCookies.find((c) => c.startsWith('gv_device='))).toMatch(/HttpOnly/i);
    // The same browser again (it sends its device cookie): nothing to tell.
    await logIn(gw, email, TEST_PASSWORD, { 'user-agent': FIREFOX_WINDOWS, cookie: laptopDevice });
    await settle();
    expect((await subjectsTo(email)).filter((s) => s.includes('New sign in'))).toEqual([]);

    await logIn(gw, email, TEST_PASSWORD, { 'user-agent': CHROME_ANDROID, 'x-forwarded-for': '198.51.100.23' });
    const mail = await gw.takeMail(email, 'New sign in');
    expect(mail.text).toContain('Chrome on Android');
    expect(mail.text).toContain('198.51.100.23');
    expect(mail.text).toMatch(/2030-01-01 \d\d:\d\d UTC/);
    expect(mail.text).not.toMatch(/\b\d{6}\b/);
    await settle();
    expect((await subjectsTo(email)).filter((s) => s.includes('New sign in'))).toHaveLength(1);
  });

  it('never puts what the client wrote into the mail', async () => {
    const email = uniqueEmail('forged');
    await signUpAndLogIn(gw, email);
    await logIn(gw, email, TEST_PASSWORD, { 'user-agent': 'Click https://evil.example/reset now', 'x-forwarded-for': 'evil.example' });
    const mail = await gw.takeMail(email, 'New sign in');
    expect(mail.text).not.toContain('evil');
    expect(mail.text).toMatch(/IP address: +unknown/);
  });
});

describe('password reset', () => {
  it('is mailed to the owner', async () => {
    const email = uniqueEmail('was-reset');
    await signUpAndLogIn(gw, email);
    await expectStatus(await gw.request('POST', '/api/auth/password/forgot', { body: { email } }), 202);
    const code = await gw.takeCode(email, 'reset code');
    const res = await gw.request('POST', '/api/auth/password/reset', {
      body: { email, code, password: 'a brand new passphrase' },
      headers: { 'user-agent': FIREFOX_WINDOWS, 'x-forwarded-for': '192.0.2.44' },
    });
    await expectStatus(res, 200);
    const mail = await gw.takeMail(email, 'password was reset');
    expect(mail.text).toContain('Firefox on Windows');
    expect(mail.text).toContain('192.0.2.44');
  });
});

describe('when mail cannot be sent', () => {
  let down: TestGateway;
  beforeAll(async () => {
    down = await startTestGateway();
  });
  afterAll(() => down.close());

  it('a password change still succeeds (the notice is only logged as failed)', async () => {
    const session = await signUpAndLogIn(down);
    await down.sink.close();
    const res = await down.request('POST', '/api/auth/password/change', {
      headers: bearer(session),
      body: { currentPassword: TEST_PASSWORD, newPassword: 'an entirely new passphrase' },
    });
    await expectStatus(res, 200);
  });
});
