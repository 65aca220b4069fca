import type { CookieOptions, Request, Response } from 'express';
import type { AuthPolicy } from './authPolicy';

export const SESSION_COOKIE = 'gv_session';
export const CSRF_COOKIE = 'gv_csrf';
export const CSRF_HEADER = 'x-csrf-token';
/** A random token naming the browser, kept across sign-outs, to tell a new device's sign-in. */
export const DEVICE_COOKIE = 'gv_device';
// Browsers cap cookie lifetimes at 400 days.
const DEVICE_COOKIE_MAX_AGE_MS = 400 * 24 * 60 * 60 * 1000;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{20,200}$/;

export interface PresentedToken {
  token: string;
  /** Cookies ride along on cross-site requests, so only they need CSRF protection. */
  via: 'bearer' | 'cookie';
}

/** A Bearer header wins over the cookie: API clients send it, browsers never do by themselves. */
export function presentedToken(req: Request): PresentedToken | undefined {
  const header = req.get('authorization');
  if (header !== undefined) {
    const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header.trim());
    return match ? { token: match[1]!, via: 'bearer' } : undefined;
  }
  const cookie: unknown = req.cookies?.[SESSION_COOKIE];
  if (typeof cookie === 'string' && TOKEN_PATTERN.test(cookie)) return { token: cookie, via: 'cookie' };
  return undefined;
}

export function presentedDeviceToken(req: Request): string | undefined {
  const cookie: unknown = req.cookies?.[DEVICE_COOKIE];
  return typeof cookie === 'string' && TOKEN_PATTERN.test(cookie) ? cookie : undefined;
}

function cookieOptions(req: Request, httpOnly: boolean, policy: AuthPolicy): CookieOptions {
  // req.secure follows the "trust proxy" setting: TLS at a trusted proxy counts as TLS.
  return { httpOnly, secure: req.secure, sameSite: 'lax', path: '/', maxAge: policy.sessionAbsoluteMs };
}

export function setSessionCookies(req: Request, res: Response, token: string, csrfToken: string, policy: AuthPolicy): void {
  res.cookie(SESSION_COOKIE, token, cookieOptions(req, true, policy));
  // Readable by the dashboard's script, which echoes it in X-CSRF-Token.
  res.cookie(CSRF_COOKIE, csrfToken, cookieOptions(req, false, policy));
}

export function setDeviceCookie(req: Request, res: Response, token: string, policy: AuthPolicy): void {
  res.cookie(DEVICE_COOKIE, token, { ...cookieOptions(req, true, policy), maxAge: DEVICE_COOKIE_MAX_AGE_MS });
}

export function clearSessionCookies(req: Request, res: Response, policy: AuthPolicy): void {
  const { maxAge: _drop, ...options } = cookieOptions(req, true, policy);
  res.clearCookie(SESSION_COOKIE, options);
  res.clearCookie(CSRF_COOKIE, { ...options, httpOnly: false });
}

export function isStateChanging(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}
