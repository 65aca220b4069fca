import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { GatewayStack } from '../support/gatewayStack';
import { waitFor } from '../support/waitFor';
import { expectAccessible } from './a11y';

/**
 * The whole journey of a new user through the built dashboard, against the real system
 * (three node processes, the gateway, its SMTP sink), at phone width and by accessible names
 * only. Steps share one browser page and run in order; each depends on the previous one.
 */
const WAIT = 45_000;
const PASSWORD = 'violet lantern harbour 97';
const email = `journey.${Date.now().toString(36)}@example.org`;
const fileName = 'journey notes.txt';
const fileBytes = Buffer.from(`GeoVault journey ${email}\n`.repeat(2000));

let stack: GatewayStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

async function heading(name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor({ timeout: WAIT });
}

/** Opens the dev mailbox from the code screen's link (a new tab) and reads the newest code. */
async function codeFromMailbox(subject: RegExp, audit = false): Promise<string> {
  const [mailboxTab] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: /open the dev mailbox/i }).click()]);
  try {
    const message = mailboxTab.getByRole('listitem').filter({ hasText: email }).filter({ hasText: subject }).first();
    await message.waitFor({ timeout: WAIT });
    if (audit) await expectAccessible(mailboxTab, 'mailbox');
    const code = (await message.getByTestId('mail-code').textContent())?.trim() ?? '';
    expect(code).toMatch(/^\d{6}$/);
    return code;
  } finally {
    await mailboxTab.close();
  }
}

describe('a new user in the dashboard', () => {
  beforeAll(async () => {
    stack = await GatewayStack.start({ profile: 'lan' });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 375, height: 800 }, acceptDownloads: true });
    context.setDefaultTimeout(WAIT);
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  }, 60_000);

  it('is sent to /login when signed out, and can reach forgot and reset password', async () => {
    await page.goto(`${stack.url}/files`);
    await heading('Log in');
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/files');
    await expectAccessible(page, 'login');

    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await heading('Reset your password');
    await expectAccessible(page, 'forgot');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send reset code' }).click();
    await heading('Choose a new password');
    await expectAccessible(page, 'reset');
  }, 120_000);

  it('signs up and verifies the address with the code read in /mailbox', async () => {
    await page.goto(`${stack.url}/signup`);
    await heading('Create your account');
    await page.getByLabel('Home region').locator('option').nth(2).waitFor({ state: 'attached' });
    await expectAccessible(page, 'signup');
    await page.getByLabel('Name').fill('Journey Tester');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();

    await heading('Check your email');
    // The resend button starts on its 60 s cooldown: a code was just sent.
    await page.getByRole('button', { name: /Resend code in \d+ s/ }).waitFor();
    await expectAccessible(page, 'verify');
    const code = await codeFromMailbox(/verification code/i, true);
    await page.getByLabel('6-digit code').fill(code);
    await page.getByRole('button', { name: 'Verify email' }).click();
    await heading('Log in');
    await page.getByText('Your email address is verified').waitFor();
  }, 120_000);

  it('logs in with the second step and lands on an empty file list', async () => {
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await heading('Enter your login code');
    await expectAccessible(page, 'login-code');
    const code = await codeFromMailbox(/sign-in code/i);
    // A wrong code first: the friendly message appears and takes the focus.
    const wrong = code === '000000' ? '111111' : '000000';
    await page.getByLabel('6-digit code').fill(wrong);
    await page.getByRole('button', { name: 'Log in' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('That code is wrong or has expired').waitFor();
    expect(await alert.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    // Then the right one, submitted from the keyboard.
    await page.getByLabel('6-digit code').fill(code);
    await page.getByLabel('6-digit code').press('Enter');

    await heading('Your files');
    await page.getByText('No files yet').waitFor();
    await page.getByText(/0 B of 5 GB used/).waitFor();
    await expectAccessible(page, 'files-empty');
  }, 120_000);

  it('uploads through the picker, sees three stored replicas and downloads the same bytes', async () => {
    await page.getByLabel('Upload files').setInputFiles({ name: fileName, mimeType: 'text/plain', buffer: fileBytes });
    const row = page.getByRole('row').filter({ hasText: fileName });
    await row.waitFor();
    // Counted in the DOM: at phone width the badge column is hidden and the row says it in one line.
    const stored = row.locator('.badge[data-state="stored"]');
    await waitFor('three stored replicas in the list', async () => (await stored.count()) === 3, { timeoutMs: WAIT, intervalMs: 250 });
    await row.getByText('3 replicas stored').waitFor();
    await page.getByText(/of 5 GB used/).filter({ hasNotText: /^0 B/ }).waitFor();
    await expectAccessible(page, 'files-with-file');

    // On phones the row's actions are in its ⋯ menu.
    await row.getByRole('button', { name: `Actions for ${fileName}` }).click();
    await page.getByRole('menuitem', { name: 'Verify replicas' }).click();
    const check = page.getByRole('dialog', { name: `Replicas of ${fileName}` });
    await check.getByRole('heading', { name: 'Replica check' }).waitFor();
    expect(await check.locator('.report li').count()).toBe(3);
    expect(await check.getByRole('listitem').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/: stored$/)]));
    await check.getByRole('button', { name: 'Close' }).click();

    await row.getByRole('button', { name: `Actions for ${fileName}` }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toBe(fileName);
    const bytes = await readFile(await download.path());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(fileBytes).digest('hex'));
  }, 120_000);

  it('deletes the file to the trash after confirming, empties the trash, and the quota goes back to 0', async () => {
    await page.getByRole('row').filter({ hasText: fileName }).getByRole('button', { name: `Actions for ${fileName}` }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: `Delete ${fileName}?` });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Move to trash' }).click();
    await page.getByText(`${fileName} was moved to the trash.`).waitFor();
    await page.getByText('No files yet').waitFor();
    // The trash still counts toward the quota (DESIGN §5): emptying it frees the space.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trash' }).click();
    await page.getByRole('row').filter({ hasText: fileName }).waitFor();
    await page.getByRole('button', { name: 'Empty trash' }).click();
    await page.getByRole('dialog', { name: 'Empty the trash?' }).getByRole('button', { name: 'Empty trash' }).click();
    await page.getByText('The trash is empty.').waitFor();
    await page.getByText(/^0 B of 5 GB used/).waitFor();
  }, 120_000);

  it('books a SkillShare session, sees it in the bookings and cancels it', async () => {
    const answer = await fetch(`${stack.url}/api/skillshare/teachers`);
    const { teachers } = (await answer.json()) as { teachers: Array<{ name: string }> };
    expect(teachers.length).toBeGreaterThan(0);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'SkillShare' }).click();
    await page.getByRole('link', { name: teachers[0]!.name }).first().click();
    const slot = page.getByRole('button', { name: /^Book .+ at / }).first();
    await slot.click();
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByRole('link', { name: 'See my bookings' }).click();
    const cancel = page.getByRole('button', { name: 'Cancel booking' });
    await cancel.first().waitFor();
    const before = await cancel.count();
    await cancel.first().click();
    // Cancelling asks first, as deleting a file does.
    await page.getByRole('dialog', { name: 'Cancel this booking?' }).getByRole('button', { name: 'Yes, cancel it' }).click();
    await waitFor('the booking to be cancelled', async () => (await cancel.count()) < before, { timeoutMs: WAIT, intervalMs: 250 });
  }, 120_000);

  it('shows the account and logs out', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await heading('Your account');
    // After a client-side navigation the new page's heading has the focus.
    const h1 = page.getByRole('heading', { level: 1 });
    await waitFor('focus on the heading', () => h1.evaluate((el) => el === el.ownerDocument.activeElement), { timeoutMs: WAIT });
    await page.getByText(email).waitFor();
    await page.getByText('this device').waitFor();
    await expectAccessible(page, 'account');
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await heading('Log in');
    await page.getByText('You are logged out.').waitFor();
    await page.goto(`${stack.url}/account`);
    await heading('Log in');
  }, 120_000);
});
