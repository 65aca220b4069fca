import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signInContext } from '../support/browser';
import { GatewayStack } from '../support/gatewayStack';
import { signUpAndLogIn, type ApiUser } from '../support/gatewayUser';
import { expectAccessible } from './a11y';

/**
 * The trash against the real system (three nodes, the gateway) in a real chromium: a folder
 * deleted from the file manager (and undone once) shows in the trash with where it came from,
 * comes back with its file; a file deleted for good and an emptied trash give the quota back.
 * Steps share one page and run in order.
 */
const WAIT = 45_000;
const BIG = 300 * 1024;

let stack: GatewayStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let user: ApiUser;

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor({ timeout: WAIT });
/** A row of the file list or of the trash by the item's exact name. */
const row = (name: string): Locator => page.getByRole('row').filter({ has: page.getByText(name, { exact: true }) });
const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
const usedBytes = async () => Number(await page.getByRole('meter').getAttribute('aria-valuenow'));
/** The quota legend's entry reading exactly `text` ("Trash 300 KB"). */
const legend = (text: string) =>
  page.getByRole('list', { name: 'Storage used by' }).getByRole('listitem').filter({ hasText: new RegExp(`^\\s*${text}\\s*$`) });

async function signIn(): Promise<void> {
  await signInContext(context, stack.url, user.email);
}

async function createFolder(parentId: string, name: string): Promise<string> {
  const res = await user.call('POST', '/api/folders', { json: { parentId, name } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { item: { id: string } }).item.id;
}

async function upload(folder: string, name: string, body: Buffer): Promise<string> {
  const res = await user.call('POST', `/api/files/upload?folder=${folder}`, { body, headers: { 'x-file-name': name, 'content-type': 'application/octet-stream' } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { file: { id: string } }).file.id;
}

describe('the trash', () => {
  let projects: string;
  let temp: string;
  let lonely: string;

  beforeAll(async () => {
    stack = await GatewayStack.start({ profile: 'lan' });
    user = await signUpAndLogIn(stack.url);
    projects = await createFolder('root', 'Projects');
    const reports = await createFolder(projects, 'Reports');
    await upload(reports, 'q3.txt', Buffer.from('third quarter\n'));
    await upload('root', 'big.bin', Buffer.alloc(BIG, 7));
    await upload('root', 'old.txt', Buffer.from('an old note\n'));
    temp = await createFolder('root', 'Temp');
    lonely = await upload(temp, 'lonely.txt', Buffer.from('left behind\n'));
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

  it('deletes a folder to the trash, and Undo in the notice brings it back', async () => {
    await page.goto(`${stack.url}/files/${projects}`);
    await heading('Projects');
    await row('Reports').click();
    await page.keyboard.press('Delete');
    const dialog = page.getByRole('dialog', { name: 'Delete Reports?' });
    await dialog.getByText(/Folders go with everything in them\.\s+It goes to the trash, where you can restore it/).waitFor();
    await dialog.getByRole('button', { name: 'Move to trash' }).click();
    const notice = page.getByRole('status').filter({ hasText: 'Reports was moved to the trash.' });
    await notice.waitFor();
    await row('Reports').waitFor({ state: 'detached' });

    await notice.getByRole('button', { name: 'Undo' }).click();
    await page.getByText('Reports is back.').waitFor();
    await row('Reports').waitFor();
    await page.locator('[data-item-id]:focus').getByText('Reports', { exact: true }).waitFor();

    await row('Reports').getByRole('button', { name: 'Actions for Reports' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete Reports?' }).getByRole('button', { name: 'Move to trash' }).click();
    await row('Reports').waitFor({ state: 'detached' });
  }, 120_000);

  it('lists the folder in the trash with where it was deleted from, at desktop and phone width', async () => {
    await nav('Trash').click();
    await heading('Trash');
    const item = row('Reports');
    await item.getByRole('cell', { name: 'All files › Projects', exact: true }).waitFor();
    // Only what was deleted is listed: the file inside the folder goes and comes back with it.
    expect(await row('q3.txt').count()).toBe(0);
    await expectAccessible(page, 'trash');

    await page.setViewportSize({ width: 375, height: 800 });
    await item.getByText(/from All files › Projects · /).waitFor();
    expect(await page.getByRole('columnheader', { name: 'Deleted from' }).isVisible()).toBe(false);
    await expectAccessible(page, 'trash-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 120_000);

  it('restores the folder where it was, with its file, and shows it there', async () => {
    await row('Reports').getByRole('button', { name: 'Restore Reports' }).click();
    const notice = page.getByRole('status').filter({ hasText: '“Reports” is back in All files › Projects.' });
    await notice.waitFor();
    await page.getByText('The trash is empty.').waitFor();

    await notice.getByRole('link', { name: 'Show it' }).click();
    await heading('Projects');
    await page.locator('[data-item-id][aria-selected="true"]').getByText('Reports', { exact: true }).waitFor();
    await row('Reports').dblclick();
    await heading('Reports');
    await row('q3.txt').waitFor();
  }, 120_000);

  it('restores a file to All files when its folder was deleted for good, and says why', async () => {
    // The file first, then its (now empty) folder: two items in the trash.
    expect((await user.call('DELETE', `/api/items/${lonely}`)).status).toBeLessThan(300);
    await nav('Trash').click();
    await heading('Trash');
    await row('lonely.txt').getByRole('cell', { name: 'All files › Temp', exact: true }).waitFor();
    expect((await user.call('DELETE', `/api/items/${temp}`)).status).toBeLessThan(300);
    await page.reload();
    await row('Temp').waitFor();

    await page.getByRole('checkbox', { name: 'Select Temp' }).check();
    await page.getByText('1 selected').waitFor();
    await page.getByRole('button', { name: 'Delete forever' }).click();
    await page.getByRole('dialog', { name: 'Delete Temp forever?' }).getByRole('button', { name: 'Delete forever' }).click();
    await page.getByText('Temp deleted for good.').waitFor();
    await row('Temp').waitFor({ state: 'detached' });
    await row('lonely.txt').getByText('(no longer there: restores to All files)').waitFor();

    await row('lonely.txt').getByRole('button', { name: 'Restore lonely.txt' }).click();
    const notice = page.getByRole('status').filter({ hasText: '“lonely.txt” is back in All files because All files › Temp is no longer there.' });
    await notice.waitFor();
    await notice.getByRole('link', { name: 'Show it' }).click();
    await heading('Your files');
    await page.locator('[data-item-id][aria-selected="true"]').getByText('lonely.txt', { exact: true }).waitFor();
  }, 120_000);

  it('deletes a selected item forever, then empties the trash, and the quota goes down', async () => {
    await page.goto(`${stack.url}/files`);
    await heading('Your files');
    for (const name of ['big.bin', 'old.txt']) {
      await row(name).getByRole('button', { name: `Actions for ${name}` }).click();
      await page.getByRole('menuitem', { name: 'Delete' }).click();
      await page.getByRole('dialog', { name: `Delete ${name}?` }).getByRole('button', { name: 'Move to trash' }).click();
      await row(name).waitFor({ state: 'detached' });
    }

    await nav('Trash').click();
    await heading('Trash');
    await row('big.bin').waitFor();
    // The trash still counts: the bar's trash part holds both files.
    await legend('Trash 300 KB').waitFor();
    // A screen reader hears the split from the meter itself.
    expect(await page.getByRole('meter').getAttribute('aria-valuetext')).toMatch(/ used \(.+\): files .+, older versions .+, trash 300 KB$/);
    const before = await usedBytes();
    expect(before).toBeGreaterThanOrEqual(BIG);

    await page.getByRole('checkbox', { name: 'Select old.txt' }).check();
    await page.getByRole('button', { name: 'Delete forever' }).click();
    const purge = page.getByRole('dialog', { name: 'Delete old.txt forever?' });
    await purge.getByText('This cannot be undone.').waitFor();
    await purge.getByRole('button', { name: 'Delete forever' }).click();
    await page.getByText('old.txt deleted for good.').waitFor();
    await row('old.txt').waitFor({ state: 'detached' });
    await row('big.bin').waitFor();

    await page.getByRole('button', { name: 'Empty trash' }).click();
    const empty = page.getByRole('dialog', { name: 'Empty the trash?' });
    await expectAccessible(page, 'trash-empty-confirm');
    await empty.getByRole('button', { name: 'Empty trash' }).click();
    await page.getByText('The trash is empty: 1 item was deleted for good.').waitFor();
    await page.getByText('The trash is empty.').waitFor();
    await legend('Trash 0 B').waitFor();
    await expect.poll(usedBytes, { timeout: WAIT }).toBeLessThanOrEqual(before - BIG);
  }, 120_000);

  it('pages a long trash with Show more, and says so when an item is gone before its restore', async () => {
    // One more than a page (TRASH_PAGE_SIZE, 100): the last one deleted comes first.
    const ids: string[] = [];
    for (let i = 0; i <= 100; i++) {
      const id = await createFolder('root', `box ${String(i).padStart(3, '0')}`);
      expect((await user.call('DELETE', `/api/items/${id}`)).status).toBeLessThan(300);
      ids.push(id);
    }
    await page.reload();
    await heading('Trash');
    const rows = page.locator('.trash-table tbody tr');
    await row('box 100').waitFor();
    expect(await rows.count()).toBe(100);
    expect(await row('box 000').count()).toBe(0);
    await page.getByRole('button', { name: 'Show more' }).click();
    await row('box 000').waitFor();
    expect(await rows.count()).toBe(101);
    await page.getByRole('button', { name: 'Show more' }).waitFor({ state: 'detached' });

    // Purged elsewhere (another tab, the API) while this page still lists it.
    expect((await user.call('DELETE', `/api/trash/${ids[0]}`)).status).toBe(204);
    await row('box 000').getByRole('button', { name: 'Restore box 000' }).click();
    await page.getByRole('alert').getByText('That item or folder no longer exists').waitFor();
  }, 120_000);
});
