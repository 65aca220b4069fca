import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChallengeRecord, SessionRecord, UserRecord } from './accountsSchema';
import { AccountsStore } from './accountsStore';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'geovault-accounts-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const user: UserRecord = {
  id: 'u1', email: 'ada@example.org', name: 'Ada', region: 'us-east', passwordHash: '$2b$10$hash',
  emailVerified: true, createdAt: 1000, passwordChangedAt: 1000,
};
const session: SessionRecord = { id: 's1', userId: 'u1', tokenHash: 'ab'.repeat(32), csrfHash: 'cd'.repeat(32), createdAt: 1000, lastSeenAt: 5000, userAgent: 'ua' };
const challenge: ChallengeRecord = {
  id: 'c1', purpose: 'login', userId: 'u1', email: 'ada@example.org', codeSalt: 'ee'.repeat(16), codeHash: 'ff'.repeat(32),
  sentAt: 1000, expiresAt: 601_000, failedAttempts: 2,
};

describe('AccountsStore', () => {
  it('keeps users, sessions, challenges and the mail log in <gatewayDir>/accounts.json across reopening', async () => {
    const store = await AccountsStore.open(dir);
    expect(store.file).toBe(path.join(dir, 'accounts.json'));
    store.addUser({ ...user });
    store.addSession({ ...session });
    store.addChallenge({ ...challenge });
    store.logMail({ address: '0a'.repeat(32), kind: 'login', at: 1000 });
    await store.commit();

    const reopened = await AccountsStore.open(dir);
    expect(reopened.userByEmail('ada@example.org')).toEqual(user);
    expect(reopened.userById('u1')).toEqual(user);
    expect(reopened.sessionByTokenHash('ab'.repeat(32))).toEqual(session);
    expect(reopened.challengeById('c1')).toEqual(challenge);
    expect(reopened.challengeFor('login', 'u1')).toEqual(challenge);
    expect(reopened.challengeFor('reset', 'u1')).toBeUndefined();
    expect(reopened.mailLogFor('0a'.repeat(32), 0)).toHaveLength(1);
    expect(JSON.parse(await readFile(store.file, 'utf8'))).toMatchObject({ version: 1 });
  });

  it('prunes expired challenges, timed-out sessions, old mail-log entries, old wrong codes and ended locks', async () => {
    const store = await AccountsStore.open(dir);
    store.addUser({ ...user });
    store.addSession({ ...session });
    store.addSession({ ...session, id: 's2', tokenHash: '12'.repeat(32), lastSeenAt: 9000 });
    store.addSession({ ...session, id: 's3', tokenHash: '34'.repeat(32), createdAt: 0, lastSeenAt: 9000 });
    store.addChallenge({ ...challenge });
    store.addChallenge({ ...challenge, id: 'c2', expiresAt: 2000 });
    store.logMail({ address: '0a'.repeat(32), kind: 'login', at: 100 });
    store.addWrongCodes({ address: '1a'.repeat(32), failures: [100, 300] }, 10);
    store.addWrongCodes({ address: '2a'.repeat(32), failures: [100] }, 10);
    store.addWrongCodes({ address: '3a'.repeat(32), failures: [], lockedUntil: 9000 }, 10);
    store.addWrongCodes({ address: '4a'.repeat(32), failures: [], lockedUntil: 4000 }, 10);
    store.prune({
      challengesExpiredBefore: 3000, sessionsSeenBefore: 6000, sessionsCreatedBefore: 500, mailLogBefore: 200,
      wrongCodesBefore: 200, locksEndedBefore: 5000, unverifiedCreatedBefore: 0,
    });
    expect(store.wrongCodesFor('1a'.repeat(32))?.failures).toEqual([300]);
    expect(store.wrongCodesFor('2a'.repeat(32))).toBeUndefined();
    expect(store.wrongCodesFor('3a'.repeat(32))?.lockedUntil).toBe(9000);
    expect(store.wrongCodesFor('4a'.repeat(32))).toBeUndefined();
    expect(store.sessionsOf('u1').map((s) => s.id)).toEqual(['s2']);
    expect(store.challengeById('c1')).toBeDefined();
    expect(store.challengeById('c2')).toBeUndefined();
    expect(store.mailLogFor('0a'.repeat(32), 0)).toEqual([]);
  });

  it('forgets sign-ups never verified once they are old enough, with their challenges and sessions', async () => {
    const store = await AccountsStore.open(dir);
    store.addUser({ ...user, id: 'old', email: 'old@example.org', emailVerified: false, createdAt: 1000 });
    store.addUser({ ...user, id: 'fresh', email: 'fresh@example.org', emailVerified: false, createdAt: 5000 });
    store.addUser({ ...user, id: 'verified', email: 'verified@example.org', emailVerified: true, createdAt: 1000 });
    store.addChallenge({ ...challenge, id: 'c-old', userId: 'old' });
    store.addChallenge({ ...challenge, id: 'c-fresh', userId: 'fresh' });
    store.prune({
      challengesExpiredBefore: 0, sessionsSeenBefore: 0, sessionsCreatedBefore: 0, mailLogBefore: 0,
      wrongCodesBefore: 0, locksEndedBefore: 0, unverifiedCreatedBefore: 2000,
    });
    expect(store.userById('old')).toBeUndefined();
    expect(store.userByEmail('old@example.org')).toBeUndefined();
    expect(store.challengeById('c-old')).toBeUndefined();
    expect(store.userById('fresh')).toBeDefined();
    expect(store.challengeById('c-fresh')).toBeDefined();
    expect(store.userById('verified')).toBeDefined();
  });

  it('keeps at most the given number of wrong-code records, dropping the oldest', async () => {
    const store = await AccountsStore.open(dir);
    for (const digit of ['1', '2', '3']) store.addWrongCodes({ address: digit.repeat(64), failures: [1] }, 2);
    expect(store.wrongCodesFor('1'.repeat(64))).toBeUndefined();
    expect(store.wrongCodesFor('3'.repeat(64))).toBeDefined();
  });

  it('opens a file written before wrong codes were kept', async () => {
    const before = { version: 1, users: [user], sessions: [], challenges: [], mailLog: [] };
    await writeFile(path.join(dir, 'accounts.json'), JSON.stringify(before));
    const store = await AccountsStore.open(dir);
    expect(store.userById('u1')?.email).toBe(user.email);
    expect(store.wrongCodesFor('1'.repeat(64))).toBeUndefined();
  });

  it('refuses a file that does not match the schema, naming the file', async () => {
    const store = await AccountsStore.open(dir);
    store.addUser({ ...user, email: '' });
    await store.commit();
    await expect(AccountsStore.open(dir)).rejects.toThrow(/accounts\.json: users\.0\.email/);
  });
});
