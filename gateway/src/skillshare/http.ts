/** Small HTTP helpers shared by the SkillShare routes. */
import express from 'express';
import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { AppError } from '../errors';
import type { AuthenticatedUser } from '../auth/authenticatedUser';
import { displayNameErrorCode } from '../validation/displayName';

/**
 * Parses untrusted input or throws a 400 naming the first bad field: invalid_request, or the
 * more telling code a refinement put on the issue (reserved_name for a display name).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue !== undefined && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new AppError(displayNameErrorCode(issue) ?? 'invalid_request', `${where}${issue?.message ?? 'invalid input'}`);
}

/** The signed-in user; routes using it sit behind requireUser, so absence is a wiring bug → 401. */
export function currentUser(req: express.Request): AuthenticatedUser {
  if (req.user === undefined) throw new AppError('unauthenticated');
  return req.user;
}

/**
 * JSON bodies up to 16 kB. Parser failures become catalogue errors here, so the gateway's error
 * handler never sees body-parser's own error shape. A body the app already parsed is left alone.
 */
export function jsonBody(): RequestHandler {
  const parse = express.json({ limit: '16kb' });
  return (req, res, next) => {
    parse(req, res, (err?: unknown) => {
      if (err === undefined || err === null) return next();
      const type = (err as { type?: unknown }).type;
      if (type === 'entity.too.large') return next(new AppError('payload_too_large'));
      if (type === 'encoding.unsupported' || type === 'charset.unsupported') return next(new AppError('unsupported_media_type'));
      return next(new AppError('invalid_request', 'The body is not valid JSON.'));
    });
  };
}
