import { z } from 'zod';

/**
 * The accounts file (`<dataDir>/gateway/accounts.json`). Secrets never appear in it in the
 * clear: passwords are bcrypt hashes, codes salted SHA-256, session and CSRF tokens SHA-256.
 * Times are epoch milliseconds. Fields may be added; `version` changes only with a migration.
 */
const id = z.string().min(1).max(64);
const time = z.number().int().nonnegative();
const hex = z.string().regex(/^[0-9a-f]+$/);

export const userRecordSchema = z.strictObject({
  id,
  /** Trimmed and lower-cased: the one spelling lookups use. */
  email: z.string().min(3).max(254),
  name: z.string().min(1).max(100),
  region: z.string().min(1).max(40),
  passwordHash: z.string().min(1),
  emailVerified: z.boolean(),
  createdAt: time,
  passwordChangedAt: time,
  /**
   * Devices that signed in before, as SHA-256 of their device cookie, newest last; a sign-in
   * from any other device is mailed to the owner. Absent on accounts older than the field.
   */
  knownDevices: z.array(z.strictObject({ hash: hex, lastSeenAt: time })).optional(),
});
export type UserRecord = z.infer<typeof userRecordSchema>;

export const sessionRecordSchema = z.strictObject({
  id,
  userId: id,
  tokenHash: hex,
  csrfHash: hex,
  createdAt: time,
  lastSeenAt: time,
  userAgent: z.string().max(300),
});
export type SessionRecord = z.infer<typeof sessionRecordSchema>;

export const CHALLENGE_PURPOSES = ['signup', 'login', 'reset'] as const;
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number];

/** One emailed code and what it is for; a code only ever opens the challenge it was sent for. */
export const challengeRecordSchema = z.strictObject({
  id,
  purpose: z.enum(CHALLENGE_PURPOSES),
  userId: id,
  email: z.string().min(3).max(254),
  codeSalt: hex,
  codeHash: hex,
  /** When the current code was mailed (resends replace the code and move this on). */
  sentAt: time,
  expiresAt: time,
  failedAttempts: z.number().int().nonnegative(),
});
export type ChallengeRecord = z.infer<typeof challengeRecordSchema>;

export const MAIL_KINDS = ['signup', 'login', 'reset', 'resend'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/**
 * Requests that may mail an address, kept one hour for the resend limits. Logged whether or
 * not a mail went out (so the limits cannot tell whether an account exists), under a hash of
 * the address (so the file does not collect addresses of people without an account).
 */
export const mailLogEntrySchema = z.strictObject({
  address: hex,
  kind: z.enum(MAIL_KINDS),
  at: time,
});
export type MailLogEntry = z.infer<typeof mailLogEntrySchema>;

/**
 * Wrong codes per address (hashed like the mail log), across all the address's challenges, and
 * the lock they led to. Kept for addresses without an account as well, so that the answers to
 * code guesses cannot tell whether an account exists.
 */
export const wrongCodeRecordSchema = z.strictObject({
  address: hex,
  /** When each wrong code of the current window was entered. */
  failures: z.array(time),
  lockedUntil: time.optional(),
});
export type WrongCodeRecord = z.infer<typeof wrongCodeRecordSchema>;

export const accountsDataSchema = z.strictObject({
  version: z.literal(1),
  users: z.array(userRecordSchema),
  sessions: z.array(sessionRecordSchema),
  challenges: z.array(challengeRecordSchema),
  mailLog: z.array(mailLogEntrySchema),
  // Added after version 1 shipped: files written before it have no such field.
  wrongCodes: z.array(wrongCodeRecordSchema).default([]),
});
export type AccountsData = z.infer<typeof accountsDataSchema>;

export function emptyAccountsData(): AccountsData {
  return { version: 1, users: [], sessions: [], challenges: [], mailLog: [], wrongCodes: [] };
}
