import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { expect } from 'vitest';
import { TEST_PASSWORD, codeFromMailbox, mailbox } from './gatewayUser';

/**
 * Debian's chromium driven by playwright-core (no browser download). The flags keep it off
 * the network: this machine has none, and background fetches would only fail and slow it.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Signs a browser context in as `email` through the real two-step login, its code read from the dev mailbox. */
export async function signInContext(context: BrowserContext, baseUrl: string, email: string): Promise<void> {
  const seen = new Set((await mailbox(baseUrl)).map((m) => m.receivedAt + m.text));
  const login = await context.request.post(`${baseUrl}/api/auth/login`, { data: { email, password: TEST_PASSWORD } });
  expect(login.status()).toBe(202);
  const { challengeId } = (await login.json()) as { challengeId: string };
  const code = await codeFromMailbox(baseUrl, email, /sign-in/i, seen);
  const verified = await context.request.post(`${baseUrl}/api/auth/login/verify`, { data: { challengeId, code } });
  expect(verified.status()).toBe(200);
}
