import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientItem, FolderListResponse, ItemResponse } from '../../gateway/src/api/files';
import type { ShareResponse } from '../../gateway/src/api/shares';
import { unzip } from '../../gateway/src/files/zipTestSupport';
import { launchChromium, signInContext } from '../support/browser';
import { GatewayStack } from '../support/gatewayStack';
import { signUpAndLogIn, type ApiUser } from '../support/gatewayUser';
import { expectAccessible } from './a11y';

/**
 * Share links in a real chromium against the real system: the owner shares a folder with a
 * password through the file manager's dialog and copies the link; a second browser context,
 * signed out, opens it, gives the password, previews the image and downloads the folder as a
 * zip. axe audits the dialog and the public page at desktop and phone width.
 */
const WAIT = 45_000;
const FOLDER = 'Holiday photos';
const LINK_PASSWORD = 'sunset over the bay';

let stack: GatewayStack;
let browser: Browser;
let owner: BrowserContext;
let visitor: BrowserContext;
let page: Page;
let user: ApiUser;
let image: Buffer;
let link = '';

/** Signs the owner's context in: the session and CSRF cookies land in it, as after the login screen. */
async function signIn(context: BrowserContext, email: string): Promise<void> {
  await signInContext(context, stack.url, email);
}

async function upload(folder: string, name: string, data: Buffer, type: string): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([data], { type }), name);
  const res = await user.call('POST', `/api/files/upload?folder=${folder}`, { body: form });
  expect(res.status).toBe(201);
}

describe('share links in the browser', () => {
  beforeAll(async () => {
    stack = await GatewayStack.start({ profile: 'lan' });
    user = await signUpAndLogIn(stack.url);
    const created = await user.call('POST', '/api/folders', { json: { parentId: 'root', name: FOLDER } });
    const folder = ((await created.json()) as ItemResponse).item as ClientItem;
    image = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 220, g: 120, b: 40 } } }).png().toBuffer();
    await upload(folder.id, 'beach.png', image, 'image/png');
    await upload(folder.id, 'notes.txt', Buffer.from('bring sunscreen\n'), 'text/plain');

    browser = await launchChromium();
    owner = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    owner.setDefaultTimeout(WAIT);
    await owner.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url });
    await signIn(owner, user.email);
    page = await owner.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('the owner shares a folder with a password from the file manager and copies the link', async () => {
    await page.goto(`${stack.url}/files`);
    await page.getByRole('heading', { level: 1, name: 'Your files' }).waitFor();
    const row = page.getByRole('row').filter({ has: page.getByText(FOLDER, { exact: true }) });
    await row.getByRole('button', { name: `Actions for ${FOLDER}` }).click();
    await page.getByRole('menuitem', { name: 'Share…' }).click();

    const dialog = page.getByRole('dialog', { name: `Share “${FOLDER}”` });
    await dialog.getByRole('heading', { name: 'New link' }).waitFor();
    await dialog.getByRole('checkbox', { name: 'Require a password' }).check();
    await dialog.getByLabel('Password', { exact: true }).fill(LINK_PASSWORD);
    await dialog.getByRole('checkbox', { name: 'Limit downloads' }).check();
    await dialog.getByLabel('Number of downloads allowed').fill('5');
    await dialog.getByRole('button', { name: 'Create link' }).click();
    await dialog.getByText('Link created.').waitFor();
    // The form for another link starts afresh: it does not inherit this one's password.
    expect(await dialog.getByRole('checkbox', { name: 'Require a password' }).isChecked()).toBe(false);
    await expectAccessible(page, 'share-dialog');

    const address = dialog.getByRole('textbox', { name: `Link to ${FOLDER}` });
    // The new link's address has the focus, ready to copy.
    await address.and(page.locator(':focus')).waitFor();
    link = await address.inputValue();
    expect(link).toMatch(new RegExp(`^${stack.url}/s/[A-Za-z0-9_-]{32}$`));
    await dialog.getByRole('button', { name: 'Copy link' }).click();
    await dialog.getByText('Link copied.').waitFor();
    // Test code is typed for Node: the page's globals are reached through globalThis.
    const clipboard = () => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText();
    expect(await page.evaluate(clipboard)).toBe(link);
    await expect.poll(() => dialog.getByText(/password · no expiry · 0 of 5 downloads/).count()).toBe(1);

    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // "Shared by me" lists it.
    await page.getByRole('link', { name: 'Shared', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Shared by me' }).waitFor();
    expect(await page.getByRole('textbox', { name: `Link to ${FOLDER}` }).inputValue()).toBe(link);
    await expectAccessible(page, 'shares-list');
    // The links' state badges in the dark theme too (the page follows the system setting).
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dataset: { theme?: string } } } }).document.documentElement.dataset.theme)).toBe('dark');
    await expectAccessible(page, 'shares-list-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    // From the list to the item in the file manager, and back.
    await page.getByRole('link', { name: `Show in files: ${FOLDER}` }).click();
    await page.getByRole('heading', { level: 1, name: FOLDER }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Shared by me' }).waitFor();
  }, 120_000);

  it('signed out, a visitor opens the link, gives the password, previews the image and downloads the zip', async () => {
    visitor = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    visitor.setDefaultTimeout(WAIT);
    const guest = await visitor.newPage();
    await guest.goto(link);
    await guest.getByRole('heading', { name: 'This link is protected' }).waitFor();
    expect(await guest.getByText(FOLDER).count()).toBe(0);
    await expectAccessible(guest, 'share-page-password');

    await guest.getByLabel('Password').fill('not the password');
    await guest.getByRole('button', { name: 'Open' }).click();
    await guest.getByRole('alert').getByText('That password is not right.').waitFor();
    await guest.getByLabel('Password').fill(LINK_PASSWORD);
    await guest.getByRole('button', { name: 'Open' }).click();
    await guest.getByRole('heading', { level: 1, name: FOLDER }).waitFor();
    await guest.getByText('5 downloads left.').waitFor();
    // The picture's thumbnail in the list, through the link (it counts as no download).
    await expect.poll(() => guest.locator('img.share-thumbnail').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);

    // A preview counts as a download on a limited link: it is shown on request.
    await guest.getByRole('button', { name: 'Preview beach.png' }).click();
    await guest.getByRole('heading', { level: 2, name: 'beach.png' }).waitFor();
    await guest.getByRole('button', { name: 'Show preview' }).click();
    const picture = guest.getByRole('img', { name: 'beach.png' });
    await picture.waitFor();
    await expect.poll(() => picture.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(64);
    await expectAccessible(guest, 'share-page-folder');

    const [download] = await Promise.all([guest.waitForEvent('download'), guest.getByRole('link', { name: 'Download all as zip' }).click()]);
    expect(download.suggestedFilename()).toBe(`${FOLDER}.zip`);
    const entries = await unzip(await readFile((await download.path())!));
    expect(entries.map((e) => e.name).sort()).toEqual(['beach.png', 'notes.txt']);
    expect(entries.find((e) => e.name === 'beach.png')!.data.equals(image)).toBe(true);

    // At phone width the page still passes the audit.
    await guest.setViewportSize({ width: 375, height: 800 });
    await guest.reload();
    await guest.getByRole('heading', { level: 1, name: FOLDER }).waitFor();
    await expectAccessible(guest, 'share-page-phone');
  }, 120_000);

  it('a drop link: a signed-out visitor sends a file into the folder and sees nothing of it', async () => {
    const created = await user.call('POST', '/api/folders', { json: { parentId: 'root', name: 'Inbox' } });
    const inbox = ((await created.json()) as ItemResponse).item;
    await upload(inbox.id, 'report.txt', Buffer.from('the owner’s own'), 'text/plain');
    const made = await user.call('POST', '/api/shares', { json: { itemId: inbox.id, uploadOnly: true } });
    const dropLink = ((await made.json()) as ShareResponse).share.url;

    const guest = await visitor.newPage();
    await guest.goto(dropLink);
    await guest.getByRole('heading', { level: 1, name: 'Send files to “Inbox”' }).waitFor();
    expect(await guest.getByText('report.txt').count()).toBe(0);
    await guest.getByLabel('Choose files…').setInputFiles({ name: 'report.txt', mimeType: 'text/plain', buffer: Buffer.from('from a visitor') });
    await guest.getByText('Sent as “report (1).txt” (a file of that name was there already).').waitFor();
    await expectAccessible(guest, 'share-page-drop');
    const listing = (await (await user.call('GET', `/api/files/list?folder=${inbox.id}`)).json()) as FolderListResponse;
    expect(listing.items.map((i) => i.name).sort()).toEqual(['report (1).txt', 'report.txt']);
    await guest.close();
  }, 120_000);

  it('the owner revokes the link and the visitor\'s page says it no longer works', async () => {
    await page.getByRole('button', { name: `Revoke link to ${FOLDER}` }).click();
    await page.getByRole('dialog', { name: `Revoke the link to ${FOLDER}?` }).getByRole('button', { name: 'Revoke link' }).click();
    await page.getByText(`Link to ${FOLDER} revoked.`).waitFor();
    const guest = await visitor.newPage();
    await guest.goto(link);
    await guest.getByRole('heading', { level: 1, name: 'This link does not work' }).waitFor();
    await expectAccessible(guest, 'share-page-gone');
  }, 120_000);
});
