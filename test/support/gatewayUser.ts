import { waitFor } from './waitFor';

export const TEST_PASSWORD = 'correct horse battery staple 42';

interface MailboxMessage {
  to: string;
  subject: string;
  text: string;
  receivedAt: string;
  attachments?: Array<{ filename: string; contentType: string; content: string }>;
}

/** Reads the embedded sink over HTTP, as a person would on /mailbox. */
export async function mailbox(baseUrl: string): Promise<MailboxMessage[]> {
  const res = await fetch(`${baseUrl}/api/dev/mailbox`);
  if (!res.ok) throw new Error(`mailbox answered ${res.status}`);
  return ((await res.json()) as { messages: MailboxMessage[] }).messages;
}

/** Waits for a new mail to `to` whose subject matches, and returns the 6-digit code in it. */
export async function codeFromMailbox(baseUrl: string, to: string, subject: RegExp, seen: Set<string>): Promise<string> {
  const mail = await waitFor(`a "${subject}" mail to ${to}`, async () =>
    (await mailbox(baseUrl)).find((m) => m.to.includes(to) && subject.test(m.subject) && !seen.has(m.receivedAt + m.text)),
  );
  seen.add(mail.receivedAt + mail.text);
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
  if (!code) throw new Error(`no code in "${mail.subject}"`);
  return code;
}

export interface ApiUser {
  email: string;
  id: string;
  region: string;
  token: string;
  /** fetch against the gateway with the Bearer token (an API client, so no CSRF). */
  call(method: string, path: string, init?: { body?: RequestInit['body']; headers?: Record<string, string>; json?: unknown }): Promise<Response>;
}

/** Signs a new user up and in through the real endpoints and the real SMTP sink. */
export async function signUpAndLogIn(baseUrl: string, opts: { region?: string; email?: string } = {}): Promise<ApiUser> {
  const email = opts.email ?? `user.${Math.random().toString(36).slice(2, 10)}@example.org`;
  const seen = new Set<string>();
  const post = (path: string, body: unknown) =>
    fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const registered = await post('/api/auth/register', { email, password: TEST_PASSWORD, name: 'Test User', region: opts.region });
  if (registered.status !== 202) throw new Error(`register answered ${registered.status}: ${await registered.text()}`);
  const verifyCode = await codeFromMailbox(baseUrl, email, /verification/i, seen);
  const verified = await post('/api/auth/verify-email', { email, code: verifyCode });
  if (verified.status !== 200) throw new Error(`verify answered ${verified.status}`);
  const login = await post('/api/auth/login', { email, password: TEST_PASSWORD });
  if (login.status !== 202) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  const { challengeId } = (await login.json()) as { challengeId: string };
  const loginCode = await codeFromMailbox(baseUrl, email, /sign-in/i, seen);
  const session = await post('/api/auth/login/verify', { challengeId, code: loginCode });
  if (session.status !== 200) throw new Error(`login/verify answered ${session.status}`);
  const { token, user } = (await session.json()) as { token: string; user: { id: string; region: string } };
  return {
    email,
    id: user.id,
    region: user.region,
    token,
    call(method, path, init = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...init.headers };
      let body = init.body;
      if (init.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(init.json);
      }
      return fetch(`${baseUrl}${path}`, { method, headers, body });
    },
  };
}
