import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSkillshareStore } from './store';

const logger = pino({ level: 'silent' });
const now = () => Date.parse('2026-03-02T08:00:00Z');
let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skillshare-store-'));
  file = join(dir, 'gateway', 'skillshare.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openSkillshareStore', () => {
  it('seeds a varied catalogue on first open', async () => {
    const data = (await openSkillshareStore(file, { now, logger })).read();
    expect(data.teachers.length).toBeGreaterThanOrEqual(12);
    expect(data.courses.length).toBeGreaterThanOrEqual(20);
    expect(new Set(data.teachers.flatMap((t) => t.skills)).size).toBeGreaterThanOrEqual(10);
    const courseTeachers = new Set(data.courses.map((c) => c.teacherId));
    expect(data.teachers.every((t) => courseTeachers.has(t.id))).toBe(true);
    expect(data.courses.some((c) => c.capacity === 1)).toBe(true);
    expect(data.courses.some((c) => c.capacity > 1)).toBe(true);
    // Zones with daylight time and without: does the offset change between January and July?
    const shifts = (zone: string) =>
      DateTime.fromISO('2026-01-15', { zone }).offset !== DateTime.fromISO('2026-07-15', { zone }).offset;
    const zones = data.teachers.map((t) => t.timeZone);
    expect(zones.filter(shifts).length).toBeGreaterThanOrEqual(4);
    expect(zones.filter((z) => !shifts(z)).length).toBeGreaterThanOrEqual(4);
    // Every course's skill is one its teacher teaches; exceptions lie ahead of the seeding date.
    for (const c of data.courses) expect(data.teachers.find((t) => t.id === c.teacherId)?.skills).toContain(c.skill);
    const exceptionDates = data.teachers.flatMap((t) => [...t.availability.datesOff, ...t.availability.extraHours.map((e) => e.date)]);
    expect(exceptionDates.length).toBeGreaterThan(10);
    expect(exceptionDates.every((d) => d > '2026-03-02')).toBe(true);
    expect(JSON.parse(await readFile(file, 'utf8')).teachers).toHaveLength(data.teachers.length);
  });

  it('seeds only once and keeps what was written', async () => {
    const store = await openSkillshareStore(file, { now, logger });
    await store.update((data) => ({ result: null, next: { ...data, teachers: data.teachers.slice(1) } }));
    const count = store.read().teachers.length;
    const reopened = await openSkillshareStore(file, { now: () => now() + 86_400_000, logger });
    expect(reopened.read().teachers).toHaveLength(count);
  });

  it('leaves no temp file and changes nothing when a step throws', async () => {
    const store = await openSkillshareStore(file, { now, logger });
    const before = store.read();
    await expect(store.update(() => Promise.reject(new Error('check failed')))).rejects.toThrow('check failed');
    expect(store.read()).toBe(before);
    expect(await readdir(join(dir, 'gateway'))).toEqual(['skillshare.json']);
  });

  it('keeps memory as it was when the write fails', async () => {
    const store = await openSkillshareStore(file, { now, logger });
    const before = store.read();
    // A file where the directory was: the writer cannot recreate the directory, so the write fails.
    await rm(join(dir, 'gateway'), { recursive: true });
    await writeFile(join(dir, 'gateway'), 'not a directory');
    const next = { ...before, courses: [] };
    await expect(store.update(() => ({ result: null, next }))).rejects.toThrow();
    expect(store.read()).toBe(before);
  });

  it('writes the file 0600 in a directory it makes 0700, and narrows an older 0644 file on open', async () => {
    const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
    const store = await openSkillshareStore(file, { now, logger });
    expect(await modeOf(join(dir, 'gateway'))).toBe(0o700);
    expect(await modeOf(file)).toBe(0o600);
    await store.update((data) => ({ result: null, next: { ...data, teachers: data.teachers.slice(1) } }));
    expect(await modeOf(file)).toBe(0o600);

    await chmod(file, 0o644);
    const reopened = await openSkillshareStore(file, { now, logger });
    expect(await modeOf(file)).toBe(0o600);
    expect(reopened.read().teachers).toHaveLength(store.read().teachers.length);
  });

  it('removes a temp file an interrupted write left behind', async () => {
    await openSkillshareStore(file, { now, logger });
    await writeFile(join(dir, 'gateway', '.skillshare.json.0123456789ab.tmp'), '{"half": ');
    await openSkillshareStore(file, { now, logger });
    expect(await readdir(join(dir, 'gateway'))).toEqual(['skillshare.json']);
  });

  it('refuses a file that is not a SkillShare store, naming it', async () => {
    const other = join(dir, 'other.json');
    await writeFile(other, JSON.stringify({ users: [] }));
    await expect(openSkillshareStore(other, { now, logger })).rejects.toThrow(other);
  });
});
