import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signInContext } from '../support/browser';
import { GatewayStack } from '../support/gatewayStack';
import { signUpAndLogIn, type ApiUser } from '../support/gatewayUser';
import { expectAccessible } from './a11y';

/**
 * File versions against the real system in a real chromium: the same name uploaded twice from
 * the file manager makes one file with two versions; the older one restored becomes the
 * content the file downloads with, as a third version; an older version is deleted after a
 * confirmation, the current one cannot be. Steps share one page and run in order.
 */
const WAIT = 45_000;
const NAME = 'notes.txt';
const FIRST = 'first draft\n';
const SECOND = 'second draft, a little longer\n';

let stack: GatewayStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let user: ApiUser;
let fileId: string;

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor({ timeout: WAIT });
const row = (name: string): Locator => page.getByRole('row').filter({ has: page.getByText(name, { exact: true }) });
const history = () => page.getByRole('dialog', { name: `Version history of “${NAME}”` });
const versions = () => history().getByRole('list', { name: `Versions of ${NAME}, newest first` }).getByRole('listitem');
/** What the page gets from a download URL with its own session, as the browser would. */
const fetchText = (url: string) => page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).text(), url);

async function signIn(): Promise<void> {
  await signInContext(context, stack.url, user.email);
}

async function uploadThroughThePage(content: string, uploaded: number): Promise<void> {
  await page.getByLabel('Upload files').setInputFiles({ name: NAME, mimeType: 'text/plain', buffer: Buffer.from(content) });
  await page.getByText(`${uploaded} of ${uploaded} uploaded`).waitFor();
}

async function openHistory(): Promise<void> {
  await row(NAME).getByRole('button', { name: `Actions for ${NAME}` }).click();
  await page.getByRole('menuitem', { name: /^Version history…/ }).click();
  await history().waitFor();
}

describe('file versions', () => {
  beforeAll(async () => {
    stack = await GatewayStack.start({ profile: 'lan' });
    user = await signUpAndLogIn(stack.url);
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

  it('keeps one file when the same name is uploaded twice, with two versions, the newer current', async () => {
    await page.goto(`${stack.url}/files`);
    await heading('Your files');
    await uploadThroughThePage(FIRST, 1);
    await row(NAME).waitFor();
    await uploadThroughThePage(SECOND, 2);
    await expect.poll(() => row(NAME).count(), { timeout: WAIT }).toBe(1);
    fileId = (await row(NAME).getAttribute('data-item-id'))!;
    expect(await fetchText(`/api/files/download/${fileId}`)).toBe(SECOND);

    await openHistory();
    await expect.poll(() => versions().count(), { timeout: WAIT }).toBe(2);
    const [newest, oldest] = [versions().nth(0), versions().nth(1)];
    await newest.getByText('Current', { exact: true }).waitFor();
    await newest.getByText(`${SECOND.length} B`).waitFor();
    await oldest.getByText(`${FIRST.length} B`).waitFor();
    expect(await oldest.getByText('Current', { exact: true }).count()).toBe(0);
    // The current version can be downloaded, not restored or deleted.
    expect(await newest.getByRole('button').count()).toBe(0);
    await newest.getByRole('link', { name: /^Download the version of / }).waitFor();
    // The focus is kept inside the dialog.
    await history().getByRole('button', { name: 'Close' }).and(page.locator(':focus')).waitFor();
    await expectAccessible(page, 'versions');
  }, 120_000);

  it('restores the older version: the file downloads with its content, and the history has three', async () => {
    const oldest = versions().nth(1);
    const oldHref = await oldest.getByRole('link', { name: /^Download / }).getAttribute('href');
    expect(await fetchText(oldHref!)).toBe(FIRST);

    await oldest.getByRole('button', { name: /^Restore the version of / }).click();
    await history().getByText(/The version of .+ is the current content again, kept as a new version\./).waitFor();
    await expect.poll(() => versions().count(), { timeout: WAIT }).toBe(3);
    const newest = versions().nth(0);
    await newest.getByText('Current', { exact: true }).waitFor();
    await newest.getByText(`${FIRST.length} B`).waitFor();
    expect(await fetchText(`/api/files/download/${fileId}`)).toBe(FIRST);
    // The folder behind the dialog re-reads at once: its row shows the restored content's size.
    await expect.poll(() => row(NAME).locator('.col-size').textContent(), { timeout: 5_000 }).toBe(`${FIRST.length} B`);
    // The content it replaced is kept as the middle version.
    const middle = versions().nth(1);
    expect(await fetchText((await middle.getByRole('link', { name: /^Download / }).getAttribute('href'))!)).toBe(SECOND);
  }, 120_000);

  it('deletes an older version after confirming, and the menu counts what is left', async () => {
    const middle = versions().nth(1);
    const middleId = await middle.getAttribute('data-version-id');
    await middle.getByRole('button', { name: /^Delete the version of / }).click();
    const confirm = page.getByRole('dialog', { name: /^Delete the version of .+\?$/ });
    await confirm.getByText('Its content is deleted for good.').waitFor();
    await confirm.getByRole('button', { name: 'Delete version' }).click();
    await history().getByText(/The version of .+ was deleted\./).waitFor();
    await expect.poll(() => versions().count(), { timeout: WAIT }).toBe(2);
    expect(await history().locator(`[data-version-id="${middleId}"]`).count()).toBe(0);
    // The focus is back in the history rather than lost with the row.
    await history().getByRole('heading', { name: `Version history of “${NAME}”` }).and(page.locator(':focus')).waitFor();

    await page.keyboard.press('Escape');
    await history().waitFor({ state: 'hidden' });
    await page.locator('[data-item-id]:focus').getByText(NAME, { exact: true }).waitFor();
    await page.keyboard.press('Shift+F10');
    await page.getByRole('menuitem', { name: 'Version history… 2 versions' }).waitFor();
    await page.keyboard.press('Escape');
  }, 120_000);
});
