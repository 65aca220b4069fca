import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * 192 random bits (DESIGN §8 asks for at least 128), 32 URL-safe characters: a link cannot be
 * guessed, and the per-address rate limit makes trying pointless anyway.
 */
export function newShareToken(): string {
  return randomBytes(24).toString('base64url');
}

/** What a token in a URL may look like; anything else is an unknown link without a lookup. */
export const SHARE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;

/** The path of a drop upload: its body is the file, never parsed as JSON (see createGatewayApp). */
export const PUBLIC_UPLOAD_PATH = /^\/api\/public\/shares\/[^/]+\/upload$/i;

export const UNLOCK_COOKIE = 'gv_share';

/** The path every call of one link lives under: its unlock cookie is sent there and nowhere else. */
export const sharePath = (token: string) => `/api/public/shares/${token}`;

/**
 * Unlock cookies: `<passwordVersion>.<expiresAtMs>.<hmac>`, an HMAC over the share's id, that
 * version and the expiry. The key is random per gateway process: a restart only asks visitors
 * for the password again, and nothing needs to be stored per visitor. A changed password (a new
 * version) or a revoked link (no share) makes every cookie for it worthless.
 */
export class UnlockCookies {
  private readonly key = randomBytes(32);

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private mac(shareId: string, version: number, expiresAt: number): Buffer {
    return createHmac('sha256', this.key).update(`${shareId}.${version}.${expiresAt}`).digest();
  }

  issue(req: Request, res: Response, token: string, share: { id: string; passwordVersion: number }): void {
    const expiresAt = this.now() + this.ttlMs;
    const value = `${share.passwordVersion}.${expiresAt}.${this.mac(share.id, share.passwordVersion, expiresAt).toString('base64url')}`;
    res.cookie(UNLOCK_COOKIE, value, { httpOnly: true, secure: req.secure, sameSite: 'lax', path: sharePath(token), maxAge: this.ttlMs });
  }

  isUnlocked(req: Request, share: { id: string; passwordVersion: number }): boolean {
    const value: unknown = req.cookies?.[UNLOCK_COOKIE];
    if (typeof value !== 'string') return false;
    const match = /^(\d{1,9})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!match) return false;
    const version = Number(match[1]);
    const expiresAt = Number(match[2]);
    if (version !== share.passwordVersion || expiresAt <= this.now()) return false;
    const given = Buffer.from(match[3]!, 'base64url');
    const expected = this.mac(share.id, version, expiresAt);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
