/** zod schemas for every SkillShare input (query strings, params, headers, bodies). */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { displayNameSchema } from '../validation/displayName';
import { isValidTimeZone, minutesOf } from './time';
import { LEVELS, WEEKDAYS } from './types';

export const idSchema = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'must be an id');
export const timeZoneSchema = z.string().max(64).refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Berlin');
const skillSchema = z.string().trim().toLowerCase().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a slug like music-theory').max(40);
const wallClock = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be HH:mm');
const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine((d) => DateTime.fromISO(d).isValid, 'must be a real date');
const money = z.number().positive().max(10_000).multipleOf(0.01);

/** One line of text: titles and labels are echoed into mail subjects and lines. */
const oneLine = (min: number, max: number) =>
  z.string().trim().min(min).max(max).regex(/^[^\p{Cc}\p{Zl}\p{Zp}]*$/u, 'must be one line without control characters');

/** Query numbers arrive as strings; an empty string is "not given", not zero. */
const queryNumber = z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().finite().optional());
const queryText = z.string().trim().max(100).optional();

export const teacherListQuery = z.object({
  skill: queryText,
  q: queryText,
  maxRate: queryNumber,
  minRating: queryNumber,
  sort: z.enum(['rating', 'rate', 'name']).default('rating'),
  order: z.enum(['asc', 'desc']).optional(),
});
export type TeacherListQuery = z.infer<typeof teacherListQuery>;

export const courseListQuery = z.object({
  skill: queryText,
  level: z.enum(LEVELS).optional(),
  teacherId: idSchema.optional(),
});
export type CourseListQuery = z.infer<typeof courseListQuery>;

export const zoneQuery = z.object({ tz: timeZoneSchema.default('UTC') });
/** `moving`: one of the viewer's bookings being moved; its seat counts as free in the answer. */
export const teacherDetailQuery = zoneQuery.extend({ moving: idSchema.optional() });
export const idParams = z.object({ id: idSchema });

export const bookingBody = z.strictObject({
  courseId: idSchema,
  start: z.iso.datetime({ offset: true }),
});
export type BookingBody = z.infer<typeof bookingBody>;

export const rescheduleBody = z.strictObject({ start: z.iso.datetime({ offset: true }) });

/** A teacher's session: a course of theirs at one start. */
export const sessionCancelBody = z.strictObject({ courseId: idSchema, start: z.iso.datetime({ offset: true }) });

/** Printable ASCII, as most APIs that accept the header require. */
export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'Idempotency-Key must be 1 to 200 printable ASCII characters');

export const reviewBody = z.strictObject({
  rating: z.number().int().min(1).max(5),
  comment: z.string().trim().max(2000).optional(),
});
export type ReviewBody = z.infer<typeof reviewBody>;

const range = { start: wallClock, end: wallClock };
const ordered = (r: { start: string; end: string }) => r.start !== '24:00' && minutesOf(r.end) > minutesOf(r.start);
const orderedMessage = { message: 'end must be after start (a window cannot cross midnight; use 24:00)' };

const DAY_NAMES: Record<(typeof WEEKDAYS)[number], string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

/**
 * Two windows of one day that overlap (or are the same) are refused by name: the slots would
 * merge anyway, and a teacher who entered "Monday 09:00–12:00" twice meant something else.
 */
function noOverlaps<W extends { start: string; end: string }>(dayOf: (w: W) => string, label: (w: W) => string) {
  return (windows: W[], ctx: z.RefinementCtx) => {
    windows.forEach((w, i) => {
      const other = windows.findIndex((o, j) => j < i && dayOf(o) === dayOf(w) && minutesOf(o.start) < minutesOf(w.end) && minutesOf(w.start) < minutesOf(o.end));
      if (other === -1) return;
      const same = windows[other]!.start === w.start && windows[other]!.end === w.end;
      ctx.addIssue({
        code: 'custom',
        path: [i],
        message: same ? `${label(w)} ${w.start}–${w.end} is listed twice` : `${label(w)} ${w.start}–${w.end} overlaps ${windows[other]!.start}–${windows[other]!.end}`,
      });
    });
  };
}

const weeklyWindow = z.strictObject({ day: z.enum(WEEKDAYS), ...range }).refine(ordered, orderedMessage);
const extraWindow = z.strictObject({ date: localDate, ...range }).refine(ordered, orderedMessage);

export const availabilitySchema = z.strictObject({
  weekly: z
    .array(weeklyWindow)
    .max(50)
    .superRefine(noOverlaps((w) => w.day, (w) => DAY_NAMES[w.day])),
  datesOff: z.array(localDate).max(200).default([]),
  extraHours: z
    .array(extraWindow)
    .max(200)
    .default([])
    .superRefine(noOverlaps((w) => w.date, (w) => w.date)),
});


export const teacherProfileBody = z.strictObject({
  /** Defaults to the account's name. Shown to students and in their mails, so checked as one. */
  name: displayNameSchema(100).optional(),
  bio: z.string().trim().min(1).max(2000),
  skills: z.array(skillSchema).min(1).max(10),
  specialties: z.array(oneLine(1, 60)).max(10).default([]),
  hourlyRate: money,
  timeZone: timeZoneSchema,
  availability: availabilitySchema,
});
export type TeacherProfileBody = z.infer<typeof teacherProfileBody>;

export const courseBody = z.strictObject({
  title: oneLine(3, 120),
  description: z.string().trim().max(2000).default(''),
  skill: skillSchema,
  level: z.enum(LEVELS),
  durationMinutes: z.number().int().min(15).max(240).multipleOf(15),
  price: money,
  capacity: z.number().int().min(1).max(50),
});
export type CourseBody = z.infer<typeof courseBody>;
