import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../gateway/src/skillshare/policy';
import { launchChromium } from '../support/browser';
import { GatewayStack } from '../support/gatewayStack';
import { mailbox } from '../support/gatewayUser';
import { waitFor } from '../support/waitFor';
import { auditPage, captureScreens, formatViolations } from './a11y';

/**
 * Both sides of SkillShare in the built dashboard against the real gateway, mesh and SMTP
 * sink: a teacher (browser in UTC) makes a profile and uploads a photo; a signed-out student
 * (browser in New York) picks a time in the week calendar, signs in and finds the choice
 * kept; the teacher sees the booking on the dashboard; the student moves it, then cancels it
 * after confirming. Every new screen passes axe at phone (375 px) and desktop (1280 px) width.
 */
const WAIT = 45_000;
const PASSWORD = 'amber kettle orbit 58';
const stamp = Date.now().toString(36);
const teacherEmail = `teacher.${stamp}@example.org`;
const studentEmail = `student.${stamp}@example.org`;
const TEACHER_NAME = 'Tess Watercolour';

let stack: GatewayStack;
let browser: Browser;
let teacherContext: BrowserContext;
let studentContext: BrowserContext;
let teacher: Page;
let student: Page;
let teacherId = '';

interface Bookings { upcoming: { id: string; start: string; status: string }[] }

async function mailCode(to: string, subject: RegExp, after = 0): Promise<string> {
  return waitFor(`a "${subject.source}" mail to ${to}`, async () => {
    const mail = (await mailbox(stack.url)).find((m) => m.to.includes(to) && subject.test(m.subject) && Date.parse(m.receivedAt) >= after);
    return mail ? /^\s+(\d{6})\s*$/m.exec(mail.text)?.[1] : undefined;
  }, { timeoutMs: WAIT, intervalMs: 250 });
}

async function api<T>(context: BrowserContext, method: 'GET' | 'POST', pathname: string, data?: unknown): Promise<T> {
  const csrf = (await context.cookies(stack.url)).find((c) => c.name === 'gv_csrf')?.value;
  const res = await context.request.fetch(`${stack.url}${pathname}`, { method, data, headers: csrf ? { 'x-csrf-token': csrf } : {} });
  expect(res.ok(), `${method} ${pathname} answered ${res.status()}: ${await res.text()}`).toBe(true);
  return (await res.json()) as T;
}

async function register(context: BrowserContext, email: string, name: string): Promise<void> {
  await api(context, 'POST', '/api/auth/register', { email, password: PASSWORD, name });
  await api(context, 'POST', '/api/auth/verify-email', { email, code: await mailCode(email, /verification/i) });
}

async function signInThroughApi(context: BrowserContext, email: string): Promise<void> {
  const since = Date.now();
  const { challengeId } = await api<{ challengeId: string }>(context, 'POST', '/api/auth/login', { email, password: PASSWORD });
  await api(context, 'POST', '/api/auth/login/verify', { challengeId, code: await mailCode(email, /sign-in/i, since) });
}

/** The audit at phone and at desktop width; the page is left at the width it had. */
async function expectAccessibleAtBothWidths(page: Page, screen: string): Promise<void> {
  const original = page.viewportSize()!;
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    const violations = await auditPage(page);
    expect(violations, `${screen} at ${width} px: ${formatViolations(violations)}`).toEqual([]);
    // Nothing may stick out sideways at either width.
    // Run in the page; the test's own types know no DOM, hence the structural casts.
    const wide = await page.locator('body *').evaluateAll((els) => {
      const edge = (els[0]?.ownerDocument.documentElement.clientWidth ?? 0) + 0.5;
      return els.filter((e) => e.getBoundingClientRect().right > edge).map((e) => `${e.tagName.toLowerCase()}.${e.className}`).slice(0, 5);
    });
    expect(wide, `${screen} at ${width} px sticks out sideways`).toEqual([]);
  }
  await page.setViewportSize(original);
  await captureScreens(page, screen);
}

/**
 * The first slot the week calendar offers that stays open while the student signs in. The
 * earliest one sits at the edge of the booking notice and can close meanwhile: at 23:59 UTC
 * the page then rightly said the time picked was no longer open, and the test waited for it.
 */
async function slotOpenThroughSignIn(page: Page) {
  const offered = page.getByRole('button', { name: /^Book Wet on wet at / });
  const starts = await offered.locator('time').evaluateAll((els) => els.map((el) => el.getAttribute('datetime') ?? ''));
  const openUntil = Date.now() + (DEFAULT_POLICY.minNoticeMinutes + 15) * 60_000;
  const start = starts.find((at) => Date.parse(at) >= openUntil);
  expect(start, `a slot that stays open through the sign-in, among ${starts.join(', ')}`).toBeDefined();
  return offered.filter({ has: page.locator(`time[datetime="${start}"]`) });
}

describe('SkillShare for teachers and students', () => {
  beforeAll(async () => {
    stack = await GatewayStack.start({ profile: 'lan' });
    browser = await launchChromium();
    teacherContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC', locale: 'en-GB' });
    studentContext = await browser.newContext({ viewport: { width: 375, height: 800 }, timezoneId: 'America/New_York', locale: 'en-GB' });
    teacherContext.setDefaultTimeout(WAIT);
    studentContext.setDefaultTimeout(WAIT);
    teacher = await teacherContext.newPage();
    student = await studentContext.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('a teacher in UTC makes a profile (duplicate windows named), adds a course and uploads a photo', async () => {
    await register(teacherContext, teacherEmail, TEACHER_NAME);
    await signInThroughApi(teacherContext, teacherEmail);
    await teacher.goto(`${stack.url}/skillshare/teach`);
    await teacher.getByRole('heading', { name: 'Become a teacher' }).waitFor();
    // The zone box shows the browser's zone, even UTC, which Chromium's zone list lacks.
    expect(await teacher.getByLabel('Your time zone').inputValue()).toBe('UTC');
    await teacher.getByLabel('About you').fill('Watercolour painter; loose washes and wet on wet.');
    await teacher.getByLabel(/^Skills/).fill('painting');
    await teacher.getByLabel('Hourly rate (USD)').fill('30');
    // Proper time pickers, not free text.
    expect(await teacher.locator('#win-start-0').getAttribute('type')).toBe('time');
    await teacher.getByRole('button', { name: 'Add a window' }).click();
    await teacher.locator('#win-day-1').selectOption('mon');
    await teacher.getByRole('button', { name: 'Create my teacher profile' }).click();
    await teacher.getByText('Monday 09:00–12:00 is listed twice.').waitFor();
    await teacher.locator('#win-day-1').selectOption('wed');
    await teacher.locator('#win-end-1').fill('00:00');
    await teacher.getByRole('button', { name: 'Create my teacher profile' }).click();
    await teacher.getByText('your profile is live').waitFor();
    const own = await api<{ teacher: { id: string; availability: { weekly: unknown[] } } }>(teacherContext, 'GET', '/api/skillshare/teachers/me');
    teacherId = own.teacher.id;
    expect(own.teacher.availability.weekly).toEqual([
      { day: 'mon', start: '09:00', end: '12:00' },
      { day: 'wed', start: '09:00', end: '24:00' },
    ]);

    await teacher.getByLabel('Title').fill('Wet on wet');
    await teacher.getByLabel('Skill', { exact: true }).selectOption('painting');
    await teacher.getByRole('button', { name: 'Add course' }).click();
    await teacher.getByText('“Wet on wet” is now open for booking.').waitFor();

    const photo = await sharp({ create: { width: 900, height: 1200, channels: 3, background: { r: 30, g: 110, b: 160 } } }).jpeg().toBuffer();
    await teacher.getByLabel('Upload a photo').setInputFiles({ name: 'me.jpg', mimeType: 'image/jpeg', buffer: photo });
    await teacher.getByText('Photo saved.').waitFor();
    const img = teacher.getByRole('img', { name: 'Your current photo' });
    await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth), { timeout: WAIT }).toBe(320);
    await expectAccessibleAtBothWidths(teacher, 'skillshare-teach-photo');

    // The teacher's own page offers nothing to book.
    await teacher.goto(`${stack.url}/skillshare/teachers/${teacherId}`);
    await teacher.getByText('This is your own page').waitFor();
    expect(await teacher.getByRole('button', { name: /^Book / }).count()).toBe(0);
  }, 180_000);

  it('a signed-out student picks a time in the week calendar and keeps it through sign-in', async () => {
    await register(studentContext, studentEmail, 'Sam Student');
    await student.goto(`${stack.url}/skillshare/teachers/${teacherId}`);
    await student.getByRole('heading', { level: 1, name: TEACHER_NAME }).waitFor();
    const photo = student.getByRole('img', { name: `Photo of ${TEACHER_NAME}` });
    await expect.poll(() => photo.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth), { timeout: WAIT }).toBe(320);
    await student.getByRole('button', { name: 'Week calendar' }).click();
    await student.getByRole('heading', { name: /^Week of / }).waitFor();
    await expectAccessibleAtBothWidths(student, 'skillshare-week');

    const slot = await slotOpenThroughSignIn(student);
    const name = (await slot.getAttribute('aria-label'))!;
    const when = name.replace('Book Wet on wet at ', '');
    await slot.click();
    const dialog = student.getByRole('dialog', { name: 'Book this session?' });
    await dialog.getByText(when).waitFor();
    await dialog.getByRole('link', { name: 'Sign in to book' }).click();

    const since = Date.now();
    await student.getByLabel('Email').fill(studentEmail);
    await student.getByLabel('Password').fill(PASSWORD);
    await student.getByRole('button', { name: 'Continue' }).click();
    await student.getByLabel('6-digit code').fill(await mailCode(studentEmail, /sign-in/i, since));
    await student.getByRole('button', { name: 'Log in' }).click();

    // Back on the teacher's page with the same time offered for confirmation.
    const back = student.getByRole('dialog', { name: 'Book this session?' });
    await back.getByText(when).waitFor();
    await back.getByRole('button', { name: 'Confirm booking' }).click();
    await student.getByText(/^Booked: Wet on wet/).waitFor();
    const { upcoming } = await api<Bookings>(studentContext, 'GET', '/api/skillshare/bookings?tz=America/New_York');
    expect(upcoming).toHaveLength(1);
    await waitFor('the teacher’s booking mail', async () => (await mailbox(stack.url)).find((m) => m.to.includes(teacherEmail) && /^New booking: Wet on wet with Sam Student/.test(m.subject)), { timeoutMs: WAIT });
  }, 180_000);

  it('the teacher sees the booking on the dashboard, with the student by name', async () => {
    await teacher.goto(`${stack.url}/skillshare/dashboard`);
    await teacher.getByRole('heading', { level: 1, name: 'Teacher dashboard' }).waitFor();
    const session = teacher.getByRole('article').filter({ hasText: 'Wet on wet' });
    await session.getByText('Student: Sam Student').waitFor();
    await session.getByText('Private lesson').waitFor();
    expect(await teacher.getByText(studentEmail).count()).toBe(0);
    await teacher.getByRole('table').getByText('1', { exact: true }).first().waitFor();
    await expectAccessibleAtBothWidths(teacher, 'skillshare-dashboard');
  }, 120_000);

  it('the student moves the booking to another time, then cancels it after confirming', async () => {
    const before = (await api<Bookings>(studentContext, 'GET', '/api/skillshare/bookings?tz=UTC')).upcoming[0]!;
    await student.goto(`${stack.url}/skillshare/bookings`);
    await student.getByRole('heading', { level: 1, name: 'My bookings' }).waitFor();
    await student.getByRole('button', { name: 'Move to another time' }).click();
    const move = student.getByRole('dialog', { name: 'Move “Wet on wet”' });
    await move.getByRole('button', { name: /^Book Wet on wet at / }).first().waitFor();
    await expectAccessibleAtBothWidths(student, 'skillshare-reschedule');
    await move.getByRole('button', { name: /^Book Wet on wet at / }).last().click();
    await move.getByRole('button', { name: 'Move booking' }).click();
    await student.getByText(/^Wet on wet moved to /).waitFor();
    const after = (await api<Bookings>(studentContext, 'GET', '/api/skillshare/bookings?tz=UTC')).upcoming;
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(before.id);
    expect(after[0]!.start).not.toBe(before.start);

    await student.getByRole('button', { name: 'Cancel booking' }).click();
    const confirm = student.getByRole('dialog', { name: 'Cancel this booking?' });
    await confirm.waitFor();
    // Nothing is cancelled until the student says so.
    expect((await api<Bookings>(studentContext, 'GET', '/api/skillshare/bookings?tz=UTC')).upcoming[0]!.status).toBe('confirmed');
    await expectAccessibleAtBothWidths(student, 'skillshare-cancel-confirm');
    await confirm.getByRole('button', { name: 'Yes, cancel it' }).click();
    await student.getByText(`Booking cancelled. ${TEACHER_NAME} has been told by email.`).waitFor();
    await waitFor('the teacher’s cancellation mail', async () => (await mailbox(stack.url)).find((m) => m.to.includes(teacherEmail) && /^Cancelled: Wet on wet with Sam Student/.test(m.subject)), { timeoutMs: WAIT });

    await teacher.reload();
    await teacher.getByText('cancelled by the student').waitFor();
  }, 180_000);

  it('the teacher cancels a session from the dashboard after confirming; the student is mailed', async () => {
    const { slots } = await api<{ slots: { courseId: string; start: string }[] }>(studentContext, 'GET', `/api/skillshare/teachers/${teacherId}?tz=UTC`);
    const csrf = (await studentContext.cookies(stack.url)).find((c) => c.name === 'gv_csrf')?.value ?? '';
    const booked = await studentContext.request.post(`${stack.url}/api/skillshare/booking`, {
      data: { courseId: slots[0]!.courseId, start: slots[0]!.start },
      headers: { 'x-csrf-token': csrf, 'idempotency-key': `again-${stamp}` },
    });
    expect(booked.status()).toBe(201);
    await teacher.reload();
    const session = teacher.getByRole('article').filter({ hasText: 'Wet on wet' });
    await session.getByRole('button', { name: 'Cancel session' }).click();
    const confirm = teacher.getByRole('dialog', { name: 'Cancel this session?' });
    await confirm.waitFor();
    await expectAccessibleAtBothWidths(teacher, 'skillshare-dashboard-cancel');
    await confirm.getByRole('button', { name: 'Yes, cancel the session' }).click();
    await teacher.getByText(/cancelled; the student has been told by email\.$/).waitFor();
    await waitFor('the student’s mail', async () => (await mailbox(stack.url)).find((m) => m.to.includes(studentEmail) && /^Cancelled by Tess Watercolour/.test(m.subject)), { timeoutMs: WAIT });
    await teacher.getByText('cancelled by you').waitFor();
    expect(await teacher.getByRole('button', { name: 'Cancel session' }).count()).toBe(0);
  }, 120_000);
});
