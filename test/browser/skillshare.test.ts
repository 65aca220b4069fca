import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { GatewayStack } from '../support/gatewayStack';
import { waitFor } from '../support/waitFor';
import { expectAccessible } from './a11y';

/**
 * SkillShare in the built dashboard against the real gateway, at phone width, in a browser
 * whose zone is Asia/Kolkata (a half-hour offset): search and filter, a teacher's slots,
 * booking (a lost answer retried without booking twice, a slot taken meanwhile), my bookings,
 * cancel, and the teacher screen. The gateway serves web/dist, which the test run's global setup builds.
 */
const WAIT = 45_000;
const ZONE = 'Asia/Kolkata';
const PASSWORD = 'amber kettle orbit 58';
const email = `skillshare.${Date.now().toString(36)}@example.org`;

interface Teacher { id: string; name: string; hourlyRate: number; skills: string[] }
interface Detail { courses: { id: string; title: string; capacity: number }[]; slots: { courseId: string; start: string }[] }
interface Bookings { upcoming: { id: string; courseId: string; start: string; status: string }[] }

let stack: GatewayStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

async function api<T>(method: 'GET' | 'POST', pathname: string, data?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const csrf = (await context.cookies(stack.url)).find((c) => c.name === 'gv_csrf')?.value;
  const res = await page.request.fetch(`${stack.url}${pathname}`, { method, data, headers: { ...(csrf ? { 'x-csrf-token': csrf } : {}), ...headers } });
  expect(res.ok(), `${method} ${pathname} answered ${res.status()}: ${await res.text()}`).toBe(true);
  return (await res.json()) as T;
}

async function mailCode(subject: RegExp): Promise<string> {
  return waitFor(`a "${subject.source}" mail to ${email}`, async () => {
    const { messages } = (await (await fetch(`${stack.url}/api/dev/mailbox`)).json()) as { messages: { to: string; subject: string; text: string }[] };
    const mail = messages.find((m) => m.to.includes(email) && subject.test(m.subject));
    return mail ? /^\s+(\d{6})\s*$/m.exec(mail.text)?.[1] : undefined;
  }, { timeoutMs: WAIT, intervalMs: 250 });
}

async function signIn(): Promise<void> {
  await api('POST', '/api/auth/register', { email, password: PASSWORD, name: 'Asha Student', region: 'asia' });
  await api('POST', '/api/auth/verify-email', { email, code: await mailCode(/verification/i) });
  const { challengeId } = await api<{ challengeId: string }>('POST', '/api/auth/login', { email, password: PASSWORD });
  await api('POST', '/api/auth/login/verify', { challengeId, code: await mailCode(/sign-in/i) });
}

/** A slot button's description: its course and, for a group, the seats left. */
async function seatsOf(slot: ReturnType<Page['getByRole']>): Promise<string> {
  const id = await slot.getAttribute('aria-describedby');
  return id ? ((await page.locator(`[id="${id}"]`).textContent()) ?? '') : '';
}

/**
 * The button of one slot, found by the instant its <time> carries: a name by course and time
 * alone also matched the same time on another day, which the page shows once the first day
 * has no slot left (a time-of-day dependent failure).
 */
const slotButton = (start: string) => page.locator(`.times button:has(time[datetime="${start}"])`);

/** Shows the slots of the day that holds `start`: the page keeps the day chosen before. */
async function showDayOf(start: string): Promise<void> {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(start));
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  const day = `${part('year')}-${part('month')}-${part('day')}`;
  await page.getByRole('group', { name: 'Day' }).locator(`button:has(time[datetime="${day}"])`).click();
}

const teacherLinks = () => page.getByRole('main').getByRole('list').first().getByRole('link');
const names = async () => (await teacherLinks().allTextContents()).map((t) => t.trim());

async function search(expected: Teacher[]): Promise<void> {
  await page.getByRole('button', { name: 'Search' }).click();
  await expect.poll(names, { timeout: WAIT }).toEqual(expected.map((t) => t.name));
}

describe('SkillShare', () => {
  beforeAll(async () => {
    stack = await GatewayStack.start({ profile: 'lan' });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 375, height: 800 }, timezoneId: ZONE, locale: 'en-GB' });
    context.setDefaultTimeout(WAIT);
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('lists teachers and filters them by skill, text, rate and sort', async () => {
    const all = (await api<{ teachers: Teacher[] }>('GET', '/api/skillshare/teachers')).teachers;
    await page.goto(`${stack.url}/skillshare`);
    await expect.poll(names, { timeout: WAIT }).toEqual(all.map((t) => t.name));
    await expectAccessible(page, 'skillshare-search');
    // Search and Clear sit side by side under the fields, not stacked in one narrow grid cell
    // (which happened where the grid has several columns: desktop and tablet widths).
    for (const width of [375, 800, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      const searchBox = (await page.getByRole('button', { name: 'Search' }).boundingBox())!;
      const clearBox = (await page.getByRole('button', { name: 'Clear filters' }).boundingBox())!;
      const sortBox = (await page.getByLabel('Sort by').boundingBox())!;
      expect(Math.abs(searchBox.y - clearBox.y), `buttons at ${width} px`).toBeLessThan(2);
      expect(searchBox.y, `buttons at ${width} px`).toBeGreaterThan(sortBox.y + sortBox.height);
    }
    await page.setViewportSize({ width: 375, height: 800 });

    await page.getByLabel('Skill', { exact: true }).selectOption('python');
    await search(all.filter((t) => t.skills.includes('python')));
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(names, { timeout: WAIT }).toEqual(all.map((t) => t.name));

    await page.getByLabel('Name, topic or specialty').fill('martinez');
    await search(all.filter((t) => t.name === 'Sofía Martínez'));
    await page.getByLabel('Name, topic or specialty').fill('');

    await page.getByLabel('Max rate (USD/hour)').fill('30');
    await page.getByLabel('Sort by').selectOption('rate');
    const cheap = (await api<{ teachers: Teacher[] }>('GET', '/api/skillshare/teachers?maxRate=30&sort=rate')).teachers;
    expect(cheap.length).toBeGreaterThan(1);
    expect(cheap.every((t) => t.hourlyRate <= 30)).toBe(true);
    await search(cheap);
    expect(page.url()).toContain('maxRate=30');

    await page.getByLabel('Max rate (USD/hour)').fill('1');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No teacher matches these filters').waitFor();
  }, 120_000);

  it("shows a teacher's slots in the browser's zone and books one, retrying a lost answer without booking twice", async () => {
    await signIn();
    await page.goto(`${stack.url}/skillshare?q=martinez`);
    await teacherLinks().filter({ hasText: 'Sofía Martínez' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sofía Martínez' }).waitFor();
    // Chromium names the zone by its canonical ICU id (Asia/Calcutta); the page must pass on whatever the browser says.
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(['Asia/Kolkata', 'Asia/Calcutta']).toContain(zone);
    await page.getByText(`Times are in your time zone (${zone})`).waitFor();
    const id = page.url().split('/').pop()!;
    const detail = await api<Detail>('GET', `/api/skillshare/teachers/${id}?tz=${zone}`);
    const group = detail.courses.find((c) => c.capacity > 1)!;
    await page.getByLabel('Course', { exact: true }).selectOption(group.id);
    const first = detail.slots.find((s) => s.courseId === group.id)!;
    const time = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit' }).format(new Date(first.start));
    const slot = slotButton(first.start);
    await expect(slot.getAttribute('aria-label')).resolves.toMatch(new RegExp(`^Book ${group.title} at .*${time}$`));
    await expect(slot.textContent()).resolves.toBe(time);
    // Every day chip is on screen: none cut off at the right edge of the phone.
    const chips = page.getByRole('group', { name: 'Day' }).getByRole('button');
    expect(await chips.count()).toBeGreaterThan(5);
    const viewport = page.viewportSize()!.width;
    for (const box of await chips.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right))) expect(box).toBeLessThanOrEqual(viewport);
    await expect.poll(() => seatsOf(slot), { timeout: WAIT }).toContain(`${group.capacity} seats left`);
    await expectAccessible(page, 'skillshare-teacher');

    // The first answer is lost on the way back; the gateway has booked by then.
    const keys: string[] = [];
    let lose = true;
    await page.route('**/api/skillshare/booking', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      const response = await route.fetch();
      if (lose) {
        lose = false;
        await route.abort('connectionreset');
      } else {
        await route.fulfill({ response });
      }
    });
    await slot.click();
    const dialog = page.getByRole('dialog', { name: 'Book this session?' });
    await dialog.waitFor();
    await expectAccessible(page, 'skillshare-confirm');
    await dialog.getByRole('button', { name: 'Confirm booking' }).click();
    await dialog.getByText('may or may not have gone through').waitFor();
    await dialog.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByText(/^Booked: DELE B2 exam workshop/).waitFor();
    await page.unroute('**/api/skillshare/booking');

    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(keys[1]).toBe(keys[0]);
    const { upcoming } = await api<Bookings>('GET', `/api/skillshare/bookings?tz=${ZONE}`);
    expect(upcoming.filter((b) => b.courseId === group.id)).toHaveLength(1);
    // The student is now busy then: the slot is no longer offered to them, and the page says why.
    await expect.poll(() => slot.count(), { timeout: WAIT }).toBe(0);
    await page.getByText(/not shown because you already have a session then/).waitFor();
    const anonymous = (await (await fetch(`${stack.url}/api/skillshare/teachers/${id}?tz=${ZONE}`)).json()) as { slots: { courseId: string; start: string; seatsLeft: number }[] };
    expect(anonymous.slots.find((s) => s.courseId === group.id && s.start === first.start)?.seatsLeft).toBe(group.capacity - 1);
  }, 120_000);

  it('says clearly when a slot was taken meanwhile, and refreshes the slots', async () => {
    const id = page.url().split('/').pop()!;
    const detail = await api<Detail>('GET', `/api/skillshare/teachers/${id}?tz=${ZONE}`);
    const lesson = detail.courses.find((c) => c.capacity === 1)!;
    const taken = detail.slots.find((s) => s.courseId === lesson.id)!;
    await page.getByLabel('Course', { exact: true }).selectOption(lesson.id);
    await showDayOf(taken.start);
    const slot = slotButton(taken.start);
    await expect(slot.getAttribute('aria-label')).resolves.toMatch(new RegExp(`^Book ${lesson.title} at `));
    await slot.click();
    // Someone else's tab (here: the same account through the API) books it first.
    await api('POST', '/api/skillshare/booking', { courseId: lesson.id, start: taken.start }, { 'Idempotency-Key': `other-${Date.now()}` });
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByText(/just taken that slot|already have a session at that time/).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    const { upcoming } = await api<Bookings>('GET', `/api/skillshare/bookings?tz=${ZONE}`);
    expect(upcoming.filter((b) => b.courseId === lesson.id)).toHaveLength(1);
  }, 120_000);

  it('lists the bookings and cancels one', async () => {
    await page.getByRole('navigation', { name: 'SkillShare' }).getByRole('link', { name: 'My bookings' }).click();
    await page.getByRole('heading', { level: 1, name: 'My bookings' }).waitFor();
    const cancel = page.getByRole('button', { name: 'Cancel booking' });
    await expect.poll(() => cancel.count(), { timeout: WAIT }).toBe(2);
    await page.getByText('Free cancellation until').first().waitFor();
    await expectAccessible(page, 'skillshare-bookings');
    await cancel.first().click();
    // A confirmation first, as for deleting a file; nothing is cancelled until it is answered.
    const confirm = page.getByRole('dialog', { name: 'Cancel this booking?' });
    await confirm.waitFor();
    await expectAccessible(page, 'skillshare-cancel-confirm');
    await confirm.getByRole('button', { name: 'Cancel', exact: true }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect((await api<Bookings>('GET', `/api/skillshare/bookings?tz=${ZONE}`)).upcoming.every((b) => b.status === 'confirmed')).toBe(true);
    await cancel.first().click();
    await confirm.getByRole('button', { name: 'Yes, cancel it' }).click();
    // A seeded teacher has no account to mail: the banner must not claim they were told.
    await page.getByText('Booking cancelled. A confirmation email is on its way to you.').waitFor();
    expect(await page.getByText('has been told').count()).toBe(0);
    await expect.poll(() => cancel.count(), { timeout: WAIT }).toBe(1);
    const { upcoming } = await api<Bookings>('GET', `/api/skillshare/bookings?tz=${ZONE}`);
    expect(upcoming.map((b) => b.status).sort()).toEqual(['cancelled', 'confirmed']);
  }, 120_000);

  it('lets a student become a teacher and add a course', async () => {
    await page.getByRole('navigation', { name: 'SkillShare' }).getByRole('link', { name: 'Teach', exact: true }).click();
    await page.getByRole('heading', { name: 'Become a teacher' }).waitFor();
    await expectAccessible(page, 'skillshare-teach');
    await page.getByLabel('About you').fill('Chess coach for club players; we study your own games.');
    await page.getByLabel(/^Skills/).fill('Chess, strategy');
    await page.getByLabel('Hourly rate (USD)').fill('28');
    await page.getByRole('button', { name: 'Create my teacher profile' }).click();
    await page.getByText('your profile is live').waitFor();
    await page.getByLabel('Title').fill('Opening repertoire review');
    await page.getByLabel('Skill', { exact: true }).selectOption('chess');
    await page.getByRole('button', { name: 'Add course' }).click();
    await page.getByText('“Opening repertoire review” is now open for booking.').waitFor();
    const mine = await api<{ teacher: { skills: string[] }; courses: { title: string }[] }>('GET', '/api/skillshare/teachers/me');
    expect(mine.teacher.skills).toEqual(['chess', 'strategy']);
    expect(mine.courses.map((c) => c.title)).toEqual(['Opening repertoire review']);
  }, 120_000);
});
