import path from 'node:path';
import type { Low } from 'lowdb';
import {
  accountsDataSchema,
  emptyAccountsData,
  type AccountsData,
  type ChallengePurpose,
  type ChallengeRecord,
  type MailLogEntry,
  type SessionRecord,
  type UserRecord,
  type WrongCodeRecord,
} from './accountsSchema';
import { openJsonStore } from './openJsonStore';

export const ACCOUNTS_FILE_NAME = 'accounts.json';

export interface PruneCutoffs {
  /** Drop challenges whose code expired before this time. */
  challengesExpiredBefore: number;
  /** Drop sessions idle since before this time (idle timeout). */
  sessionsSeenBefore: number;
  /** Drop sessions created before this time (absolute timeout). */
  sessionsCreatedBefore: number;
  mailLogBefore: number;
  /** Forget wrong codes entered before this time… */
  wrongCodesBefore: number;
  /** …and locks that ended before this one. */
  locksEndedBefore: number;
  /** Drop sign-ups never verified that were made before this time. */
  unverifiedCreatedBefore: number;
}

/**
 * Users, sessions, code challenges, the mail log and wrong-code counts in one lowdb file. Lookups return the
 * live records: callers change them and then `commit()`, which persists the whole document
 * atomically. Node runs handlers one at a time between awaits, so a change made before an
 * await is never torn; commits are queued by the adapter and land in order.
 */
export class AccountsStore {
  private constructor(
    readonly file: string,
    private readonly db: Low<AccountsData>,
  ) {}

  static async open(gatewayDir: string): Promise<AccountsStore> {
    const file = path.join(gatewayDir, ACCOUNTS_FILE_NAME);
    return new AccountsStore(file, await openJsonStore(file, accountsDataSchema, emptyAccountsData));
  }

  private get data(): AccountsData {
    return this.db.data;
  }

  commit(): Promise<void> {
    return this.db.write();
  }

  userByEmail(email: string): UserRecord | undefined {
    return this.data.users.find((user) => user.email === email);
  }

  userById(id: string): UserRecord | undefined {
    return this.data.users.find((user) => user.id === id);
  }

  addUser(user: UserRecord): void {
    this.data.users.push(user);
  }

  sessionByTokenHash(tokenHash: string): SessionRecord | undefined {
    return this.data.sessions.find((session) => session.tokenHash === tokenHash);
  }

  sessionsOf(userId: string): SessionRecord[] {
    return this.data.sessions.filter((session) => session.userId === userId);
  }

  addSession(session: SessionRecord): void {
    this.data.sessions.push(session);
  }

  /** Removes the sessions `drop` selects; returns how many went. */
  removeSessions(drop: (session: SessionRecord) => boolean): number {
    const before = this.data.sessions.length;
    this.data.sessions = this.data.sessions.filter((session) => !drop(session));
    return before - this.data.sessions.length;
  }

  challengeById(id: string): ChallengeRecord | undefined {
    return this.data.challenges.find((challenge) => challenge.id === id);
  }

  /** The newest challenge of this purpose for a user (older ones are removed on issue). */
  challengeFor(purpose: ChallengePurpose, userId: string): ChallengeRecord | undefined {
    return this.data.challenges.findLast((challenge) => challenge.purpose === purpose && challenge.userId === userId);
  }

  addChallenge(challenge: ChallengeRecord): void {
    this.data.challenges.push(challenge);
  }

  removeChallenges(drop: (challenge: ChallengeRecord) => boolean): void {
    this.data.challenges = this.data.challenges.filter((challenge) => !drop(challenge));
  }

  mailLogFor(address: string, since: number): MailLogEntry[] {
    return this.data.mailLog.filter((entry) => entry.address === address && entry.at >= since);
  }

  logMail(entry: MailLogEntry): void {
    this.data.mailLog.push(entry);
  }

  wrongCodesFor(address: string): WrongCodeRecord | undefined {
    return this.data.wrongCodes.find((record) => record.address === address);
  }

  /** Adds a record, dropping the oldest beyond `max` (a flood of addresses must not grow the file without end). */
  addWrongCodes(record: WrongCodeRecord, max: number): void {
    this.data.wrongCodes.push(record);
    if (this.data.wrongCodes.length > max) this.data.wrongCodes.splice(0, this.data.wrongCodes.length - max);
  }

  /** Forgets what can no longer be used, so the file does not grow without bound. */
  prune(cutoffs: PruneCutoffs): void {
    const data = this.data;
    // Abandoned sign-ups: nobody ever proved the address, so nothing else refers to them, and
    // the address is free to be signed up again.
    const abandoned = new Set(data.users.filter((u) => !u.emailVerified && u.createdAt < cutoffs.unverifiedCreatedBefore).map((u) => u.id));
    if (abandoned.size > 0) {
      data.users = data.users.filter((u) => !abandoned.has(u.id));
      data.challenges = data.challenges.filter((c) => !abandoned.has(c.userId));
      data.sessions = data.sessions.filter((session) => !abandoned.has(session.userId));
    }
    data.challenges = data.challenges.filter((c) => c.expiresAt >= cutoffs.challengesExpiredBefore);
    data.sessions = data.sessions.filter(
      (s) => s.lastSeenAt >= cutoffs.sessionsSeenBefore && s.createdAt >= cutoffs.sessionsCreatedBefore,
    );
    data.mailLog = data.mailLog.filter((entry) => entry.at >= cutoffs.mailLogBefore);
    for (const record of data.wrongCodes) record.failures = record.failures.filter((at) => at >= cutoffs.wrongCodesBefore);
    data.wrongCodes = data.wrongCodes.filter(
      (record) => record.failures.length > 0 || (record.lockedUntil ?? 0) >= cutoffs.locksEndedBefore,
    );
  }
}
