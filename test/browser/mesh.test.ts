import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { GatewayStack } from '../support/gatewayStack';
import { waitFor } from '../support/waitFor';
import { expectAccessible } from './a11y';

/**
 * /nodes against the real mesh: three node processes and the gateway. A region is taken
 * offline and healed through the page's own controls, and the page must follow the mesh
 * over socket.io. The gateway serves web/dist, which the test run's global setup builds.
 */
const WAIT = 45_000;
const PASSWORD = 'cobalt meadow signal 42';
const adminEmail = `mesh.admin.${Date.now().toString(36)}@example.org`;
const userEmail = `mesh.user.${Date.now().toString(36)}@example.org`;

let stack: GatewayStack;
let browser: Browser;
let page: Page;

async function mailCode(email: string, subject: RegExp): Promise<string> {
  return waitFor(`a "${subject.source}" mail to ${email}`, async () => {
    const res = await fetch(`${stack.url}/api/dev/mailbox`);
    const { messages } = (await res.json()) as { messages: { to: string; subject: string; text: string }[] };
    const mail = messages.find((m) => m.to.includes(email) && subject.test(m.subject));
    return mail ? /^\s+(\d{6})\s*$/m.exec(mail.text)?.[1] : undefined;
  }, { timeoutMs: WAIT, intervalMs: 250 });
}

/** Signs up and in through the API with the page's own request context, so the cookie lands in it. */
async function signIn(email: string): Promise<void> {
  const api = page.request;
  const ok = async (res: Awaited<ReturnType<typeof api.post>>) => {
    expect(res.ok(), `${res.url()} answered ${res.status()}: ${await res.text()}`).toBe(true);
    return res;
  };
  await ok(await api.post(`${stack.url}/api/auth/register`, { data: { email, password: PASSWORD, name: 'Mesh Tester', region: 'eu-west' } }));
  await ok(await api.post(`${stack.url}/api/auth/verify-email`, { data: { email, code: await mailCode(email, /verification/i) } }));
  const login = await ok(await api.post(`${stack.url}/api/auth/login`, { data: { email, password: PASSWORD } }));
  const { challengeId } = (await login.json()) as { challengeId: string };
  await ok(await api.post(`${stack.url}/api/auth/login/verify`, { data: { challengeId, code: await mailCode(email, /sign-in code/i) } }));
}

const card = (id: string) => page.locator(`article[data-node="${id}"]`);
const marker = (id: string) => page.locator(`g.marker[data-node="${id}"]`);

async function expectAllAlive(): Promise<void> {
  for (const id of ['us-east', 'eu-west', 'asia']) {
    await expect.poll(() => card(id).getByTestId('node-state').textContent(), { timeout: WAIT }).toContain('alive');
    await expect.poll(() => marker(id).getAttribute('data-state'), { timeout: WAIT }).toBe('alive');
  }
}

describe('/nodes', () => {
  beforeAll(async () => {
    stack = await GatewayStack.start({ profile: 'lan', env: { GEOVAULT_ADMIN_EMAILS: adminEmail } });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(WAIT);
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows the three regions alive on the map and in text, live over socket.io', async () => {
    await page.goto(`${stack.url}/nodes`);
    await page.getByRole('heading', { level: 1, name: 'Mesh' }).waitFor();
    await expectAllAlive();
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: WAIT }).toBe('Live');
    await expect.poll(() => page.locator('g.link[data-state="up"]').count(), { timeout: WAIT }).toBe(3);
    expect(await page.locator('svg[role="img"] title').textContent()).toContain('GeoVault mesh');
    // Signed out: the state is visible, the fault controls are not.
    await page.getByText('Administrators can take a region offline').waitFor();
    expect(await page.getByRole('button', { name: /^Take offline/ }).count()).toBe(0);
  });

  it('explains to a signed-in user who is not an admin why there are no fault controls', async () => {
    await signIn(userEmail);
    await page.reload();
    await page.getByTestId('faults-admin-only').waitFor();
    expect(await page.getByTestId('faults-admin-only').textContent()).toContain('Fault injection is for administrators');
    expect(await page.getByRole('button', { name: /^Take offline/ }).count()).toBe(0);
  }, 120_000);

  it('passes an axe audit with no serious or critical violation', async () => {
    await expectAccessible(page, 'nodes');
  });

  it('takes a region offline from the page as an admin, shows it failed and when it heals itself, then heals it', async () => {
    await signIn(adminEmail);
    await page.reload();
    const offline = page.getByRole('button', { name: 'Take offline: Asia (Tokyo)' });
    await offline.click();
    await expect.poll(() => card('asia').getByTestId('node-state').textContent(), { timeout: WAIT }).toContain('failed (dead)');
    await expect.poll(() => marker('asia').getAttribute('data-state'), { timeout: WAIT }).toBe('dead');
    await expect.poll(() => page.locator('g.link[data-state="down"]').count(), { timeout: WAIT }).toBe(2);
    expect(await card('us-east').getByTestId('node-state').textContent()).toContain('alive');
    await card('asia').getByText('offline (paused)').waitFor();
    await card('asia').getByText(/heals itself in 4 min/).waitFor();
    // Signed in, the fault controls are on the page too: audit them as well.
    await expectAccessible(page, 'nodes-asia-offline');

    await page.getByRole('button', { name: 'Heal: Asia (Tokyo)' }).click();
    await expectAllAlive();
    await expect.poll(() => page.locator('g.link[data-state="up"]').count(), { timeout: WAIT }).toBe(3);
  }, 180_000);
});
