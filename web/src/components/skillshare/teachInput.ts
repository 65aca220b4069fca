/** Turning what a teacher types into what the gateway's schemas accept. */

export function splitList(text: string): string[] {
  return [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
}

/** "Music Theory" → "music-theory": skills are slugs on the wire. */
export function toSkillSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The zones the time-zone box offers, always including the current one: Chromium's list has
 * no "UTC" (only Etc/ zones are left out of it), so a browser set to UTC showed an empty box.
 */
export function zoneChoices(current: string, supported: readonly string[]): string[] {
  return current === '' || supported.includes(current) ? [...supported] : [current, ...supported];
}

export interface WindowInput {
  day: string;
  start: string;
  end: string;
}

const DAY_NAMES: Record<string, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * What is wrong with the weekly windows, in words, before anything is sent: missing times,
 * an end before the start, the same or overlapping windows on one day (the gateway refuses
 * those too, with the same words). `end` is `24:00` for midnight.
 */
export function windowProblems(windows: readonly WindowInput[]): string[] {
  const problems: string[] = [];
  windows.forEach((w, i) => {
    const day = DAY_NAMES[w.day] ?? w.day;
    if (!/^\d\d:\d\d$/.test(w.start) || !/^\d\d:\d\d$/.test(w.end)) {
      problems.push(`${day} (window ${i + 1}): enter both a start and an end time.`);
      return;
    }
    if (minutes(w.end) <= minutes(w.start)) {
      problems.push(`${day} ${w.start}–${w.end}: the end must be after the start. A window cannot cross midnight; choose 00:00 as the end for "until midnight".`);
      return;
    }
    const other = windows.findIndex((o, j) => j < i && o.day === w.day && minutes(o.start) < minutes(w.end) && minutes(w.start) < minutes(o.end));
    if (other === -1) return;
    const o = windows[other]!;
    problems.push(o.start === w.start && o.end === w.end ? `${day} ${w.start}–${w.end} is listed twice.` : `${day} ${w.start}–${w.end} overlaps ${o.start}–${o.end}.`);
  });
  return problems;
}
