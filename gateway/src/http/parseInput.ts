import type { z } from 'zod';
import { AppError } from '../errors';

/** Parses untrusted input with a schema; the first problem becomes a 400 that names the field. */
export function parseInput<T>(schema: z.ZodType<T>, data: unknown, what = 'body'): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.length ? issue.path.map(String).join('.') : what;
  throw new AppError('invalid_request', `${field}: ${issue?.message ?? 'invalid'}`);
}
