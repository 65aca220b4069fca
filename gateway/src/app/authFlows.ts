import type { TestGateway } from './testGateway';
import { TEST_PASSWORD } from './testGateway';

/** Test support: the multi-step flows, driven over HTTP exactly as a client would. */
export interface SignedIn {
  token: string;
  csrfToken: string;
  /** `Cookie` header value carrying the session and CSRF cookies. */
  cookie: string;
  setCookies: string[];
  user: { id: string; email: string; name: string; region: string };
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}.${counter}.${Math.random().toString(36).slice(2, 8)}@example.org`;
}

export async function expectStatus(res: Response, status: number): Promise<unknown> {
  const body: unknown = await res.json().catch(() => undefined);
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

export async function signUp(gw: TestGateway, email: string, password = TEST_PASSWORD, region?: string): Promise<void> {
  await expectStatus(await gw.request('POST', '/api/auth/register', { body: { email, password, name: 'Ada', region } }), 202);
  const code = await gw.takeCode(email, 'verification');
  await expectStatus(await gw.request('POST', '/api/auth/verify-email', { body: { email, code } }), 200);
}

export async function startLogin(gw: TestGateway, email: string, password = TEST_PASSWORD, headers?: Record<string, string>): Promise<string> {
  const body = (await expectStatus(await gw.request('POST', '/api/auth/login', { body: { email, password }, headers }), 202)) as {
    challengeId: string;
  };
  return body.challengeId;
}

export async function logIn(gw: TestGateway, email: string, password = TEST_PASSWORD, headers?: Record<string, string>): Promise<SignedIn> {
  const challengeId = await startLogin(gw, email, password, headers);
  const code = await gw.takeCode(email, 'sign-in');
  const res = await gw.request('POST', '/api/auth/login/verify', { body: { challengeId, code }, headers });
  const setCookies = res.headers.getSetCookie();
  const body = (await expectStatus(res, 200)) as Omit<SignedIn, 'cookie' | 'setCookies'>;
  const cookie = setCookies.map((c) => c.split(';')[0]).join('; ');
  return { ...body, cookie, setCookies };
}

export async function signUpAndLogIn(gw: TestGateway, email = uniqueEmail()): Promise<SignedIn> {
  await signUp(gw, email);
  return logIn(gw, email);
}

export function bearer(session: SignedIn): Record<string, string> {
  return { authorization: `Bearer ${session.token}` };
}
