import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unzip } from '../../gateway/src/files/zipTestSupport';
import { launchChromium, signInContext } from '../support/browser';
import { GatewayStack } from '../support/gatewayStack';
import { signUpAndLogIn } from '../support/gatewayUser';
import { expectAccessible } from './a11y';

/**
 * The file manager against the real system (three nodes, the gateway) in a real chromium: folders,
 * a folder dropped from the desktop, moves by drag, inline rename, search, zip, the keyboard, at
 * 1280 px and at 375 px, by accessible names. Steps share one page and run in order.
 */
const WAIT = 45_000;
const TRIP = 'Trip ☀ 2024';

let stack: GatewayStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let desktop: string;
let email: string;

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor({ timeout: WAIT });
/** A row of the list (or a tile of the grid) by the item's exact name. */
const row = (name: string): Locator => page.getByRole('row').filter({ has: page.getByText(name, { exact: true }) });
const crumbs = () => page.getByRole('navigation', { name: 'Folder path' });
const openFolder = async (name: string) => {
  await row(name).dblclick();
  await heading(name);
};

/** Signs the browser in: the session and CSRF cookies land in the context, as after the login screen. */
async function signIn(): Promise<void> {
  await signInContext(context, stack.url, email);
}

/** Drops a folder of the local disk on the page as the OS would (CDP drag data with a path), so the page walks real directory entries. */
async function dropFromDesktop(target: Locator, paths: string[]): Promise<void> {
  const box = await target.boundingBox();
  if (!box) throw new Error('drop target not visible');
  const cdp = await context.newCDPSession(page);
  const at = { x: box.x + box.width / 2, y: box.y + Math.min(box.height / 2, 40) };
  const data = { items: [], files: paths, dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const) await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
  await cdp.detach();
}

const focusedRow = () => page.locator('[data-item-id]:focus');

async function selectedNames(): Promise<string[]> {
  return page.locator('[data-item-id][aria-selected="true"] .name-text').allTextContents();
}

describe('the file manager', () => {
  beforeAll(async () => {
    desktop = await mkdtemp(path.join(tmpdir(), 'geovault-desktop-'));
    await mkdir(path.join(desktop, TRIP, 'notes', 'deep'), { recursive: true });
    await writeFile(path.join(desktop, TRIP, 'plan.txt'), 'day one: the harbour\n');
    await writeFile(path.join(desktop, TRIP, 'notes', 'packing.md'), '- boots\n- map\n');
    await writeFile(path.join(desktop, TRIP, 'notes', 'deep', 'café.txt'), 'un café, merci\n');
    await writeFile(path.join(desktop, 'loose.txt'), 'not in a folder\n');

    stack = await GatewayStack.start({ profile: 'lan' });
    email = (await signUpAndLogIn(stack.url)).email;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    context.setDefaultTimeout(WAIT);
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (desktop) await rm(desktop, { recursive: true, force: true });
  }, 60_000);

  it('opens sign-up at the seed path /register and the file manager at /dashboard', async () => {
    await page.goto(`${stack.url}/register`);
    await heading('Create your account');
    expect(new URL(page.url()).pathname).toBe('/signup');

    await signIn();
    await page.goto(`${stack.url}/dashboard`);
    await heading('Your files');
    expect(new URL(page.url()).pathname).toBe('/files');
    await page.getByText('No files yet').waitFor();
    await expectAccessible(page, 'files-manager-empty');
  }, 120_000);

  it('creates a folder and uploads a folder dropped from the desktop with its structure', async () => {
    await page.getByRole('button', { name: 'New folder' }).click();
    const dialog = page.getByRole('dialog', { name: 'New folder' });
    await dialog.getByLabel('Folder name').fill('Projects');
    await dialog.getByRole('button', { name: 'Create folder' }).click();
    await row('Projects').waitFor();
    // The new folder is selected and has the keyboard focus.
    await expect.poll(selectedNames).toEqual(['Projects']);

    await dropFromDesktop(page.locator('.file-table'), [path.join(desktop, TRIP), path.join(desktop, 'loose.txt')]);
    await page.getByText('4 of 4 uploaded').waitFor();
    await row(TRIP).waitFor();
    await row('loose.txt').waitFor();

    await openFolder(TRIP);
    expect(await crumbs().getByRole('link').allTextContents()).toEqual(['All files']);
    await crumbs().getByText(TRIP).waitFor();
    await row('plan.txt').waitFor();
    await openFolder('notes');
    await row('packing.md').waitFor();
    await openFolder('deep');
    await row('café.txt').waitFor();
    await expectAccessible(page, 'files-manager-folder');

    // Back and forward walk the folders, as the URL holds the folder.
    await page.goBack();
    await heading('notes');
    await page.goForward();
    await heading('deep');
  }, 120_000);

  it('moves files by dragging them onto a folder and onto a breadcrumb', async () => {
    await crumbs().getByRole('link', { name: TRIP }).click();
    await heading(TRIP);
    await row('plan.txt').dragTo(row('notes'));
    await page.getByText(`plan.txt moved to notes.`).waitFor();
    await row('plan.txt').waitFor({ state: 'detached' });

    await openFolder('notes');
    await row('plan.txt').click();
    await row('packing.md').click({ modifiers: ['ControlOrMeta'] });
    expect((await selectedNames()).sort()).toEqual(['packing.md', 'plan.txt']);
    await row('packing.md').dragTo(crumbs().getByRole('link', { name: 'All files' }));
    await page.getByText('2 items moved to All files.').waitFor();
    await row('plan.txt').waitFor({ state: 'detached' });
    await row('packing.md').waitFor({ state: 'detached' });

    await crumbs().getByRole('link', { name: 'All files' }).click();
    await heading('Your files');
    await row('plan.txt').waitFor();
    await row('packing.md').waitFor();
  }, 120_000);

  it('renames inline with F2, keeps the focus on the row, and offers "keep both" on a clash', async () => {
    await row('plan.txt').click();
    await page.keyboard.press('F2');
    const field = page.getByLabel('New name for plan.txt');
    await field.fill('harbour plan.txt');
    await field.press('Enter');
    await row('harbour plan.txt').waitFor();
    await focusedRow().getByText('harbour plan.txt', { exact: true }).waitFor();

    await row('packing.md').click();
    await page.keyboard.press('F2');
    await page.getByLabel('New name for packing.md').fill('harbour plan.txt');
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert');
    await alert.getByText('An item named “harbour plan.txt” already exists in that folder.').waitFor();
    await alert.getByRole('button', { name: 'Keep both' }).click();
    await row('harbour plan (1).txt').waitFor();
    await row('harbour plan.txt').waitFor();
  }, 120_000);

  it('selects with the keyboard and deletes the selection, leaving the focus on the next row', async () => {
    await row('harbour plan (1).txt').click();
    // The context menu from the keyboard; Escape gives the focus back to the row.
    await page.keyboard.press('Shift+F10');
    const menu = page.getByRole('menu', { name: 'Actions for harbour plan (1).txt' });
    await menu.getByRole('menuitem', { name: 'Open' }).and(page.locator(':focus')).waitFor();
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    await focusedRow().getByText('harbour plan (1).txt', { exact: true }).waitFor();
    await page.keyboard.press('Shift+ArrowDown');
    const [first, second] = await selectedNames();
    expect([first, second].sort()).toEqual(['harbour plan (1).txt', 'harbour plan.txt']);
    await page.keyboard.press('Escape');
    expect(await selectedNames()).toEqual([]);
    await page.keyboard.press('Space');
    await page.keyboard.press('Shift+ArrowUp');
    expect((await selectedNames()).sort()).toEqual([first, second].sort());
    await page.keyboard.press('Delete');
    const dialog = page.getByRole('dialog', { name: 'Delete 2 items?' });
    await dialog.getByRole('button', { name: 'Move to trash' }).click();
    await page.getByText('2 items were moved to the trash.').waitFor();
    await row(first!).waitFor({ state: 'detached' });
    await focusedRow().waitFor();
  }, 120_000);

  it('finds a file by search and opens its folder with it selected', async () => {
    await page.getByRole('searchbox', { name: 'Search files and folders' }).fill('CAFE');
    const result = page.getByRole('link', { name: /café\.txt, open its folder/ });
    await result.waitFor();
    await page.getByText(`in All files › ${TRIP} › notes › deep`).waitFor();
    await expectAccessible(page, 'files-manager-search');
    await result.click();
    await heading('deep');
    await expect.poll(selectedNames).toEqual(['café.txt']);

    await page.getByRole('searchbox', { name: 'Search files and folders' }).fill('no such thing');
    await page.getByText('Nothing matches “no such thing”').waitFor();
    await page.getByRole('searchbox', { name: 'Search files and folders' }).fill('');
  }, 120_000);

  it('downloads a folder as a zip that holds its files', async () => {
    await page.goto(`${stack.url}/files`);
    await heading('Your files');
    await row(TRIP).getByRole('button', { name: `Actions for ${TRIP}` }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: 'Download as zip' }).click()]);
    const entries = await unzip(await readFile(await download.path()));
    const files = entries.filter((e) => !e.directory);
    expect(files).toHaveLength(1);
    expect(files[0]!.name).toMatch(/(^|\/)notes\/deep\/café\.txt$/);
    expect(files[0]!.data.toString()).toBe('un café, merci\n');
  }, 120_000);

  it('works at phone width: compact list, actions in the ⋯ menu, move through the folder picker, grid view; a double-click on a folder opens only it', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.reload();
    await heading('Your files');
    await row('loose.txt').waitFor();
    // The compact list: size and date move under the name, their columns go.
    expect(await page.getByRole('columnheader', { name: 'Modified' }).isVisible()).toBe(false);
    await row('loose.txt').getByText(/^\s*16 B · /).waitFor();
    await expectAccessible(page, 'files-manager-phone');

    await row('loose.txt').getByRole('button', { name: 'Actions for loose.txt' }).click();
    const menu = page.getByRole('menu', { name: 'Actions for loose.txt' });
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual(
      expect.arrayContaining(['Download', 'Rename', 'Move to…', 'Copy to…', 'Delete']),
    );
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    await row('loose.txt').getByRole('button', { name: 'Actions for loose.txt' }).click();
    await menu.getByRole('menuitem', { name: 'Move to…' }).click();
    const picker = page.getByRole('dialog', { name: 'Move “loose.txt” to…' });
    await picker.getByRole('button', { name: /Projects/ }).click();
    await picker.getByText('Projects', { exact: true }).waitFor();
    await expectAccessible(page, 'files-manager-picker');
    await picker.getByRole('button', { name: 'Move here' }).click();
    await row('loose.txt').waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Grid', exact: true }).click();
    await page.locator('.file-grid').waitFor();
    await expectAccessible(page, 'files-manager-grid');
    // The view is remembered across a reload.
    await page.reload();
    await page.locator('.file-grid').waitFor();
    // A double-click on a folder's name: its first click opens the folder, and its second lands on
    // whatever the folder shows under the pointer, which must not open too.
    await row('Projects').getByRole('link', { name: 'Projects' }).click();
    await heading('Projects');
    const tile = (await row('loose.txt').boundingBox())!;
    await page.mouse.move(tile.x + tile.width / 2, tile.y + tile.height / 2);
    await page.mouse.down({ clickCount: 2 });
    await page.mouse.up({ clickCount: 2 });
    await page.getByRole('button', { name: 'List', exact: true }).click({ timeout: 5000 });
    await page.locator('.file-table').waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    // Nor does a second click that lands on a folder's name open that folder as well.
    await crumbs().getByRole('link', { name: 'All files' }).click();
    await heading('Your files');
    await row(TRIP).getByRole('link', { name: TRIP }).click();
    await heading(TRIP);
    const notes = (await row('notes').getByRole('link', { name: 'notes' }).boundingBox())!;
    await page.mouse.move(notes.x + notes.width / 2, notes.y + notes.height / 2);
    await page.mouse.down({ clickCount: 2 });
    await page.mouse.up({ clickCount: 2 });
    // A navigation would have started within this time.
    await page.waitForTimeout(500);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(TRIP);
  }, 120_000);
});
