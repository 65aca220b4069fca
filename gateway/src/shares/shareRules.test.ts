import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Request, Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import type { ItemView } from '../../../node/src/api/tree';
import { DownloadLimits } from './downloadLimits';
import { countsAsDownload } from './publicDownload';
import { DEFAULT_SHARE_POLICY, readSharePolicy } from './sharePolicy';
import { ShareStore, type ShareRecord } from './shareStore';
import { newShareToken, PUBLIC_UPLOAD_PATH, SHARE_TOKEN_PATTERN, UnlockCookies } from './shareTokens';
import { pathWithinShare, toPublicItem } from './shareViews';

const record = (over: Partial<ShareRecord> = {}): ShareRecord => ({
  id: randomUUID(),
  token: newShareToken(),
  ownerId: randomUUID(),
  itemId: randomUUID(),
  kind: 'file',
  itemName: 'a.txt',
  passwordHash: null,
  passwordVersion: 0,
  expiresAt: null,
  maxDownloads: null,
  downloads: 0,
  uploadOnly: false,
  createdAt: new Date(0).toISOString(),
  ...over,
});

describe('share tokens', () => {
  it('carry 192 random bits in URL-safe characters, and match the pattern the routes accept', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newShareToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(Buffer.from(token, 'base64url').length).toBe(24);
      expect(SHARE_TOKEN_PATTERN.test(token)).toBe(true);
    }
    expect(SHARE_TOKEN_PATTERN.test('../../etc')).toBe(false);
    expect(PUBLIC_UPLOAD_PATH.test('/api/public/shares/abc/upload')).toBe(true);
    expect(PUBLIC_UPLOAD_PATH.test('/api/public/shares/abc/download')).toBe(false);
  });
});

describe('unlock cookies', () => {
  /** The cookie a visitor's browser would send back after `issue`. */
  function issued(cookies: UnlockCookies, share: { id: string; passwordVersion: number }, token = 'tok') {
    const set: Array<{ name: string; value: string; options: Record<string, unknown> }> = [];
    const res = { cookie: (name: string, value: string, options: Record<string, unknown>) => set.push({ name, value, options }) } as unknown as Response;
    cookies.issue({ secure: false } as Request, res, token, share);
    return set[0]!;
  }
  const request = (value: string) => ({ cookies: { gv_share: value } }) as unknown as Request;

  it('unlock only the link, the password version and the time they were made for', () => {
    let now = 1_000_000;
    const cookies = new UnlockCookies(60_000, () => now);
    const share = { id: randomUUID(), passwordVersion: 3 };
    const cookie = issued(cookies, share, 'TOKEN123');
    expect(cookie.options).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/api/public/shares/TOKEN123', maxAge: 60_000 });
    expect(cookies.isUnlocked(request(cookie.value), share)).toBe(true);
    // Another link, a changed password, a forged signature, another process's key: locked.
    expect(cookies.isUnlocked(request(cookie.value), { ...share, id: randomUUID() })).toBe(false);
    expect(cookies.isUnlocked(request(cookie.value), { ...share, passwordVersion: 4 })).toBe(false);
    const [version, expires, mac] = cookie.value.split('.');
    expect(cookies.isUnlocked(request(`${version}.${Number(expires) + 60_000}.${mac}`), share)).toBe(false);
    expect(new UnlockCookies(60_000, () => now).isUnlocked(request(cookie.value), share)).toBe(false);
    expect(cookies.isUnlocked({ cookies: {} } as unknown as Request, share)).toBe(false);
    now += 60_001;
    expect(cookies.isUnlocked(request(cookie.value), share)).toBe(false);
  });
});

describe('download limits', () => {
  it('hold places for downloads in flight, count the completed ones and give back the broken ones', async () => {
    let commits = 0;
    const limits = new DownloadLimits(async () => void commits++);
    const share = record({ maxDownloads: 2 });
    const first = limits.reserve(share)!;
    const second = limits.reserve(share)!;
    expect(limits.reserve(share)).toBeUndefined();
    expect(limits.left(share)).toBe(0);
    second.cancel();
    second.cancel();
    expect(limits.left(share)).toBe(1);
    await first.complete();
    await first.complete();
    expect(share.downloads).toBe(1);
    expect(commits).toBe(1);
    expect(DownloadLimits.usedUp(share)).toBe(false);
    await limits.reserve(share)!.complete();
    expect(DownloadLimits.usedUp(share)).toBe(true);
    expect(limits.reserve(share)).toBeUndefined();
  });

  it('count without a limit too', async () => {
    const limits = new DownloadLimits(async () => undefined);
    const share = record();
    await Promise.all(Array.from({ length: 5 }, () => limits.reserve(share)!.complete()));
    expect(share.downloads).toBe(5);
    expect(limits.left(share)).toBeNull();
  });

  it('count a whole file or a range that ends it, never a range in its middle or a HEAD', () => {
    const ranged = (range: string) => ({ status: 206, headers: { 'content-range': range } });
    expect(countsAsDownload('GET', { status: 200, headers: {} })).toBe(true);
    expect(countsAsDownload('HEAD', { status: 200, headers: {} })).toBe(false);
    expect(countsAsDownload('GET', ranged('bytes 0-99/1000'))).toBe(false);
    expect(countsAsDownload('GET', ranged('bytes 500-998/1000'))).toBe(false);
    expect(countsAsDownload('GET', ranged('bytes 500-999/1000'))).toBe(true);
    expect(countsAsDownload('GET', ranged('nonsense'))).toBe(false);
  });
});

describe('what a visitor sees', () => {
  const view: ItemView = {
    id: 'f1',
    kind: 'file',
    name: 'a.png',
    parentId: 'folder-above',
    size: 3,
    createdAt: '2026-01-01T00:00:00Z',
    modifiedAt: '2026-01-02T00:00:00Z',
    sha256: 'abc',
    mime: 'image/png',
    replicas: { 'us-east': 'stored' },
    versionCount: 2,
    path: [{ id: 'root', name: '' }, { id: 'folder-above', name: 'Private stuff' }],
  };

  it('an item: its own fields only, and no parent when it is the shared item', () => {
    expect(toPublicItem(view, 'f1')).toEqual({ id: 'f1', kind: 'file', name: 'a.png', parentId: null, size: 3, modifiedAt: '2026-01-02T00:00:00Z', mime: 'image/png' });
    expect(toPublicItem(view, 'shared-folder').parentId).toBe('folder-above');
  });

  it('a path: from the shared folder down, nothing above it', () => {
    const path = [{ id: 'root', name: '' }, { id: 'above', name: 'Above' }, { id: 'shared', name: 'Shared' }, { id: 'sub', name: 'Sub' }];
    expect(pathWithinShare(path, 'shared')).toEqual([{ id: 'shared', name: 'Shared' }, { id: 'sub', name: 'Sub' }]);
    expect(pathWithinShare(path, 'elsewhere')).toEqual([]);
  });
});

describe('share policy', () => {
  it('takes overrides from the environment and names a bad one', () => {
    expect(readSharePolicy({})).toEqual(DEFAULT_SHARE_POLICY);
    expect(readSharePolicy({ GATEWAY_SHARE_REQUESTS_PER_MINUTE: '50', GATEWAY_SHARE_PASSWORD_FAILURES: '3' })).toMatchObject({ publicRequestsPerIp: 50, passwordFailuresPerShare: 3 });
    expect(() => readSharePolicy({ GATEWAY_SHARE_UPLOADS_PER_MINUTE: 'lots' })).toThrow(/GATEWAY_SHARE_UPLOADS_PER_MINUTE/);
  });
});

describe('the share store', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps links owner-only on disk, finds them by token, and coalesces a burst of commits', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'geovault-shares-'));
    const store = await ShareStore.open(dir);
    const share = record();
    store.add(share);
    await store.commit();
    expect((await stat(store.file)).mode & 0o777).toBe(0o600);
    expect(store.byToken(share.token)).toBe(share);
    expect(store.byToken(`${share.token}x`)).toBeUndefined();

    // Twenty downloads counted at once: every commit resolves once its change is on disk.
    await Promise.all(Array.from({ length: 20 }, () => (share.downloads++, store.commit())));
    const reopened = await ShareStore.open(dir);
    expect(reopened.byToken(share.token)?.downloads).toBe(20);

    reopened.remove(share.id);
    await reopened.commit();
    expect((await ShareStore.open(dir)).byId(share.id)).toBeUndefined();
  });
});
