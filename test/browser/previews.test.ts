import crypto from 'node:crypto';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signInContext } from '../support/browser';
import { GatewayStack } from '../support/gatewayStack';
import { signUpAndLogIn, type ApiUser } from '../support/gatewayUser';
import { expectAccessible } from './a11y';

/**
 * Thumbnails, the preview lightbox and the dark theme (issue 13) against the real system in a
 * real chromium, by accessible names. Steps share one page and run in order.
 */
const WAIT = 45_000;
const NOTE = 'Packing list: boots, map, a thermos of tea.';
/** A one-page PDF, as small as a valid one gets. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

let stack: GatewayStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let user: ApiUser;

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor({ timeout: WAIT });
const row = (name: string): Locator => page.getByRole('row').filter({ has: page.getByText(name, { exact: true }) });
const lightbox = () => page.getByRole('dialog');

async function upload(name: string, data: Buffer, mime: string): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([data], { type: mime }), name);
  const res = await user.call('POST', '/api/files/upload', { body: form });
  expect(res.status, await res.text()).toBe(201);
}

async function picture(width: number, height: number): Promise<Buffer> {
  return sharp(crypto.randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).jpeg().toBuffer();
}

/** The session and CSRF cookies land in the browser's context, as after the login screen. */
async function signIn(): Promise<void> {
  await signInContext(context, stack.url, user.email);
}

/** Whether an <img> finished loading a real picture (naturalWidth is 0 for a broken one). */
/** What these checks read of an <img>, typed here: the test project has no DOM library. */
interface ImageFacts {
  complete: boolean;
  naturalWidth: number;
}
/** The browser's globals that the checks read, for the same reason. */
interface PageGlobals {
  document: {
    readyState: string;
    documentElement: { dataset: Record<string, string | undefined> };
    activeElement: { textContent: string | null } | null;
    addEventListener(type: string, listener: () => void): void;
  };
  getComputedStyle(element: unknown): { backgroundColor: string };
  themeAtParse?: string;
}

const loadedWidth = (img: Locator) => img.evaluate((el) => ((el as unknown as ImageFacts).complete ? (el as unknown as ImageFacts).naturalWidth : 0));
const themeOf = (on: Page) => on.locator('html').getAttribute('data-theme');
const theme = () => themeOf(page);

describe('previews and the dark theme', () => {
  beforeAll(async () => {
    stack = await GatewayStack.start({ profile: 'lan' });
    user = await signUpAndLogIn(stack.url);
    await upload('a-harbour.jpg', await picture(640, 480), 'image/jpeg');
    await upload('b-notes.txt', Buffer.from(`${NOTE}\n`), 'text/plain');
    await upload('c-lighthouse.jpg', await picture(300, 500), 'image/jpeg');
    await upload('d-guide.pdf', PDF, 'application/pdf');
    // 300 KiB of log lines: more than a preview reads.
    await upload('e-server.log', Buffer.from(Array.from({ length: 6000 }, (_, i) => `line ${String(i).padStart(5, '0')} ${'x'.repeat(40)}\n`).join('')), 'application/octet-stream');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(WAIT);
    page = await context.newPage();
    await signIn();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  }, 60_000);

  it('shows image thumbnails in the grid and the list, and the drawn icon for other files', async () => {
    await page.goto(`${stack.url}/files`);
    await heading('Your files');
    await page.getByRole('button', { name: 'Grid' }).click();
    const thumb = row('a-harbour.jpg').locator('img.item-thumbnail');
    await expect.poll(() => loadedWidth(thumb), { timeout: WAIT }).toBeGreaterThan(0);
    expect(await thumb.evaluate((el) => (el as unknown as ImageFacts).naturalWidth)).toBe(128);
    expect(await row('b-notes.txt').locator('img').count()).toBe(0);
    await row('b-notes.txt').locator('svg.item-icon').waitFor();
    await expectAccessible(page, 'previews-grid');
    await page.getByRole('button', { name: 'List' }).click();
    await expect.poll(() => loadedWidth(row('c-lighthouse.jpg').locator('img.item-thumbnail')), { timeout: WAIT }).toBeGreaterThan(0);
  }, 120_000);

  it('opens an image in the lightbox, steps to the next file with the arrow keys, and Escape closes it', async () => {
    // Selected first: the selection's toolbar wraps to a second line at this width, and a row
    // that moves between the two clicks of a double-click gets no dblclick.
    await row('a-harbour.jpg').click();
    await row('a-harbour.jpg').dblclick();
    const dialog = lightbox();
    await dialog.getByRole('heading', { name: 'a-harbour.jpg' }).waitFor();
    const image = dialog.getByRole('img', { name: 'a-harbour.jpg' });
    await expect.poll(() => loadedWidth(image), { timeout: WAIT }).toBe(640);
    await dialog.getByText('1 of 5').waitFor();
    // The focus is trapped in the dialog: it starts on Close.
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.textContent?.trim())).toBe('Close');
    await expectAccessible(page, 'previews-lightbox-image');

    await page.keyboard.press('ArrowRight');
    await dialog.getByRole('heading', { name: 'b-notes.txt' }).waitFor();
    await dialog.getByText(NOTE).waitFor();
    await page.keyboard.press('ArrowRight');
    await dialog.getByRole('heading', { name: 'c-lighthouse.jpg' }).waitFor();
    await expect.poll(() => loadedWidth(dialog.getByRole('img', { name: 'c-lighthouse.jpg' })), { timeout: WAIT }).toBe(300);
    // A PDF opens in the browser's own viewer, even under the download's CSP sandbox.
    await page.keyboard.press('ArrowRight');
    await dialog.getByRole('heading', { name: 'd-guide.pdf' }).waitFor();
    await dialog.locator('iframe[title="d-guide.pdf (PDF)"]').waitFor();
    await expect.poll(() => page.frames().some((frame) => frame.url().startsWith('chrome-extension://')), { timeout: WAIT }).toBe(true);
    await page.keyboard.press('ArrowLeft');
    await dialog.getByRole('heading', { name: 'c-lighthouse.jpg' }).waitFor();
    await page.keyboard.press('ArrowLeft');
    await dialog.getByRole('heading', { name: 'b-notes.txt' }).waitFor();

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // The focus goes back to the row of the file shown last.
    await page.locator('[data-item-id]:focus').getByText('b-notes.txt', { exact: true }).waitFor();
  }, 120_000);

  it('opens a text file from the keyboard and shows its text', async () => {
    await row('a-harbour.jpg').click();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const dialog = lightbox();
    await dialog.getByRole('heading', { name: 'b-notes.txt' }).waitFor();
    expect(await dialog.locator('pre').textContent()).toBe(`${NOTE}\n`);
    await expectAccessible(page, 'previews-lightbox-text');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // A long file (named .log, stored without a type): its first 256 KiB and a note.
    await row('e-server.log').click();
    await page.keyboard.press('Enter');
    await dialog.getByRole('heading', { name: 'e-server.log' }).waitFor();
    await dialog.getByText(/Truncated: only the first 256 KB of 305 KB are shown/).waitFor();
    const shown = (await dialog.locator('pre').textContent())!;
    expect(shown.startsWith('line 00000 ')).toBe(true);
    expect(new TextEncoder().encode(shown).length).toBe(256 * 1024);
    await dialog.getByRole('link', { name: 'Download to see all' }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  }, 120_000);

  it('switches to the dark theme from the header, passes the audit on the files and mesh pages, and keeps it after a reload', async () => {
    expect(await theme()).toBe('light');
    await page.getByLabel('Theme').selectOption('dark');
    expect(await theme()).toBe('dark');
    expect(await page.locator('html').evaluate((el) => (globalThis as unknown as PageGlobals).getComputedStyle(el).backgroundColor)).toBe('rgb(17, 20, 24)');
    await expectAccessible(page, 'dark-files-list');
    await page.getByRole('button', { name: 'Grid' }).click();
    await expectAccessible(page, 'dark-files-grid');
    await row('a-harbour.jpg').dblclick();
    await lightbox().getByRole('heading', { name: 'a-harbour.jpg' }).waitFor();
    await expectAccessible(page, 'dark-lightbox');
    await page.keyboard.press('Escape');

    await page.reload();
    await heading('Your files');
    expect(await theme()).toBe('dark');
    expect(await page.getByLabel('Theme').inputValue()).toBe('dark');

    await page.goto(`${stack.url}/nodes`);
    await heading('Mesh');
    await expectAccessible(page, 'dark-nodes');
    await page.goto(`${stack.url}/skillshare`);
    await heading('SkillShare');
    await expectAccessible(page, 'dark-skillshare');
  }, 120_000);

  it('follows the system setting by default, before the first paint, and the choice "Light" overrides it', async () => {
    const dark = await browser.newContext({ viewport: { width: 375, height: 800 }, colorScheme: 'dark' });
    dark.setDefaultTimeout(WAIT);
    const phone = await dark.newPage();
    // The attribute is on <html> as soon as the document exists, before the app's script ran.
    await phone.addInitScript(() => {
      const g = globalThis as unknown as PageGlobals;
      g.document.addEventListener('readystatechange', () => {
        if (g.document.readyState === 'interactive') g.themeAtParse = g.document.documentElement.dataset.theme;
      });
    });
    for (const [path, title] of [['/login', 'Log in'], ['/signup', 'Create your account'], ['/nodes', 'Mesh'], ['/skillshare', 'SkillShare']] as const) {
      await phone.goto(`${stack.url}${path}`);
      await phone.getByRole('heading', { level: 1, name: title }).waitFor();
      expect(await phone.evaluate(() => (globalThis as unknown as PageGlobals).themeAtParse)).toBe('dark');
      expect(await themeOf(phone)).toBe('dark');
      await expectAccessible(phone, `dark-system${path.replace('/', '-')}`);
    }
    await phone.getByLabel('Theme').selectOption('light');
    expect(await themeOf(phone)).toBe('light');
    await phone.reload();
    await phone.getByRole('heading', { level: 1, name: 'SkillShare' }).waitFor();
    expect(await themeOf(phone)).toBe('light');
    await expectAccessible(phone, 'light-over-dark-system');
    await dark.close();
  }, 120_000);
});
