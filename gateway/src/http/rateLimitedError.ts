import type { Request } from 'express';
import { AppError } from '../errors';

/** A 429 whose Retry-After (whole seconds, at least 1) tells the client when to come back. */
export function rateLimitedError(waitMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError('rate_limited', `Too many attempts; try again in ${seconds} s.`, { 'Retry-After': String(seconds) });
}

/** The caller's address as Express sees it (X-Forwarded-For only under "trust proxy"). */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
