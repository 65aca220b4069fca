import crypto from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signInContext } from '../support/browser';
import { GatewayStack } from '../support/gatewayStack';
import { signUpAndLogIn } from '../support/gatewayUser';
import { waitFor } from '../support/waitFor';
import { expectAccessible } from './a11y';

/**
 * Resumable uploads in the dashboard against the real system in a real chromium (issue 14):
 * a reload mid-upload, the file picked again, the upload continuing from the server's offset;
 * pause and resume; the leave-page warning; a file over the quota refused before its bytes.
 * Each chunk (16 MiB) is held back a moment by the page's network layer, so that "mid-upload"
 * lasts long enough to act in.
 */
const WAIT = 60_000;
const MiB = 1024 * 1024;
const QUOTA = 160 * MiB;
const CHUNK_DELAY_MS = 700;
const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');

let stack: GatewayStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let desktop: string;
let email: string;

/** A file of random bytes on the "desktop", to pick in the page. */
async function desktopFile(name: string, size: number): Promise<{ file: string; data: Buffer }> {
  const data = crypto.randomBytes(size);
  const file = path.join(desktop, name);
  await writeFile(file, data);
  return { file, data };
}

const queueRow = (name: string) => page.locator('.uploads li.upload').filter({ has: page.getByText(name, { exact: true }) });

/** The page's globals this file reaches (test code is typed for Node). */
interface PageGlobals {
  localStorage: { getItem(key: string): string | null; length: number; key(i: number): string | null };
  dispatchEvent(event: Event): boolean;
}

/** The upload URLs tus-js-client keeps in the page's localStorage. */
const keptUploadUrls = () =>
  page.evaluate(() => {
    const { localStorage } = globalThis as unknown as PageGlobals;
    const keys = Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i)!);
    return keys.filter((key) => key.startsWith('tus::')).map((key) => (JSON.parse(localStorage.getItem(key)!) as { uploadUrl: string }).uploadUrl);
  });

/** What the server has of an upload (HEAD with the page's session cookie). */
async function serverOffset(url: string): Promise<number> {
  const res = await context.request.fetch(new URL(url, stack.url).href, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } });
  expect(res.status()).toBe(200);
  return Number(res.headers()['upload-offset']);
}

/** Would leaving the page now ask first? (the beforeunload handler cancels the event). */
const leaveWarningArmed = () =>
  page.evaluate(() => {
    const event = new Event('beforeunload', { cancelable: true });
    (globalThis as unknown as PageGlobals).dispatchEvent(event);
    return event.defaultPrevented;
  });

/** Waits for the queue row of `name` to say Uploaded; a row that failed fails the test with its text. */
async function uploaded(name: string): Promise<void> {
  const row = queueRow(name);
  await waitFor(`${name} uploaded`, async () => {
    // Finished rows fold into the summary line until "Show finished" is on.
    const showFinished = page.getByRole('button', { name: 'Show finished' });
    if ((await row.count()) === 0 && (await showFinished.count()) > 0) await showFinished.click();
    if ((await row.count()) === 0) return false;
    const status = await row.getAttribute('data-upload-status');
    if (status === 'failed') throw new Error(`the upload failed: ${await row.innerText()}`);
    return status === 'done';
  }, { timeoutMs: 120_000, intervalMs: 250 }).catch(async (error: unknown) => {
    throw new Error(`${(error as Error).message}; the queue reads: ${await page.locator('.uploads').innerText().catch(() => '(none)')}`);
  });
}

async function downloadedSha(name: string): Promise<string> {
  const list = await context.request.get(`${stack.url}/api/files/list?folder=root`);
  const { items } = (await list.json()) as { items: Array<{ id: string; name: string }> };
  const item = items.find((i) => i.name === name);
  expect(item, `${name} in the list`).toBeDefined();
  const res = await context.request.get(`${stack.url}/api/files/download/${item!.id}`);
  expect(res.status()).toBe(200);
  return sha256(await res.body());
}

describe('resumable uploads in the dashboard', () => {
  beforeAll(async () => {
    desktop = await mkdtemp(path.join(tmpdir(), 'geovault-uploads-'));
    stack = await GatewayStack.start({ profile: 'lan', env: { GEOVAULT_QUOTA_BYTES: String(QUOTA) } });
    email = (await signUpAndLogIn(stack.url)).email;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(WAIT);
    page = await context.newPage();
    // Reloading mid-upload asks first (that is the point); the person confirms.
    page.on('dialog', (dialog) => void dialog.accept());
    await page.route('**/api/uploads/**', async (route) => {
      if (route.request().method() === 'PATCH') await new Promise((r) => setTimeout(r, CHUNK_DELAY_MS));
      await route.continue();
    });
    await signInContext(context, stack.url, email);
    await page.goto(`${stack.url}/files`);
    await page.getByRole('heading', { level: 1, name: 'Your files' }).waitFor();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (desktop) await rm(desktop, { recursive: true, force: true });
  }, 60_000);

  it('comes back after a reload mid-upload, asks for the file again, and continues from the server’s offset', async () => {
    const name = 'holiday video.mp4';
    const { file, data } = await desktopFile(name, 48 * MiB);
    expect(await leaveWarningArmed()).toBe(false);

    await page.getByLabel('Upload files').setInputFiles(file);
    const [url] = await waitFor('the upload URL in localStorage', async () => {
      const urls = await keptUploadUrls();
      return urls.length === 1 ? urls : undefined;
    });
    await waitFor('a first chunk on the server', async () => (await serverOffset(url!)) > 0, { timeoutMs: WAIT, intervalMs: 200 });
    expect(await leaveWarningArmed()).toBe(true);

    await page.reload();
    const row = queueRow(name);
    await page.locator('.uploads li.upload[data-upload-status="waitingForFile"]').filter({ hasText: name }).waitFor();
    await row.getByText('Select the file again to resume.').waitFor();
    await page.getByText(/interrupted when the page was closed or reloaded/).waitFor();
    expect(await leaveWarningArmed()).toBe(false);
    await expectAccessible(page, 'uploads-waiting-for-file');
    const kept = await serverOffset(url!);
    expect(kept).toBeGreaterThan(0);

    // Picked again through the usual button: the row continues, from where the server is.
    const resumedHead = page.waitForResponse((res) => res.request().method() === 'HEAD' && res.url() === new URL(url!, stack.url).href);
    await page.getByLabel('Upload files').setInputFiles(file);
    const head = await resumedHead;
    expect(Number(head.headers()['upload-offset'])).toBeGreaterThanOrEqual(kept);
    await row.getByText(/Resumed from/).waitFor();
    await uploaded(name);
    expect(await queueRow(name).count()).toBe(1);
    await page.getByRole('row').filter({ hasText: name }).first().waitFor();
    expect(await downloadedSha(name)).toBe(sha256(data));
    expect(await keptUploadUrls()).toEqual([]);
  }, 240_000);

  it('pauses (nothing more reaches the server) and resumes to the end', async () => {
    const name = 'paused.bin';
    const { file, data } = await desktopFile(name, 40 * MiB);
    await page.getByLabel('Upload files').setInputFiles(file);
    const [url] = await waitFor('the upload URL', async () => {
      const urls = await keptUploadUrls();
      return urls.length === 1 ? urls : undefined;
    });
    await waitFor('a first chunk on the server', async () => (await serverOffset(url!)) > 0, { timeoutMs: WAIT, intervalMs: 200 });
    await page.getByRole('button', { name: `Pause upload of ${name}` }).click();
    const row = queueRow(name);
    await row.getByText(/^\s*Paused/).waitFor();
    expect(await leaveWarningArmed()).toBe(false);
    // A chunk already on its way may still land; after that nothing moves.
    await new Promise((r) => setTimeout(r, CHUNK_DELAY_MS * 3));
    const paused = await serverOffset(url!);
    await new Promise((r) => setTimeout(r, CHUNK_DELAY_MS * 3));
    expect(await serverOffset(url!)).toBe(paused);
    expect(paused).toBeLessThan(data.length);

    await page.getByRole('button', { name: `Resume upload of ${name}` }).click();
    await uploaded(name);
    expect(await downloadedSha(name)).toBe(sha256(data));
  }, 240_000);

  it('refuses a file over the quota at once, before sending its bytes, and says why', async () => {
    const name = 'too big.iso';
    const { file } = await desktopFile(name, QUOTA + MiB);
    let patched = false;
    const onRequest = (req: { method(): string; url(): string }) => {
      if (req.method() === 'PATCH' && req.url().includes('/api/uploads/')) patched = true;
    };
    page.on('request', onRequest);
    await page.getByLabel('Upload files').setInputFiles(file);
    const row = queueRow(name);
    await row.getByRole('alert').getByText('This file does not fit in your remaining storage.').waitFor();
    page.off('request', onRequest);
    expect(patched).toBe(false);
    await expectAccessible(page, 'uploads-over-quota');
  }, 120_000);
});
