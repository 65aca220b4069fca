import { z } from 'zod';
import { CHALLENGE_PURPOSES } from '../store/accountsSchema';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords';

/** Request bodies of the auth routes. Unknown fields are dropped, not rejected. */
export const emailSchema = z
  .string({ error: 'an email address' })
  .trim()
  .toLowerCase()
  .pipe(z.email('an email address').max(254, 'an email address of at most 254 characters'));

const PASSWORD_EXPECTED = `a password of ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`;
export const passwordSchema = z
  .string({ error: PASSWORD_EXPECTED })
  .min(PASSWORD_MIN_LENGTH, PASSWORD_EXPECTED)
  .max(PASSWORD_MAX_LENGTH, PASSWORD_EXPECTED);

export const codeSchema = z.string({ error: 'the 6-digit code' }).trim().regex(/^\d{6}$/, 'the 6-digit code');
const challengeIdSchema = z.uuid('the challenge id from the login answer');

/** `regions` is read per request: a region that joins the cluster live becomes one to choose. */
export function registerSchema(regions: () => readonly string[]) {
  return z.object({
    email: emailSchema,
    password: passwordSchema,
    name: z.string({ error: 'a name' }).trim().min(1, 'a name of 1 to 100 characters').max(100, 'a name of 1 to 100 characters'),
    region: z
      .string({ error: 'a region id' })
      .refine((region) => regions().includes(region), { error: () => `one of ${regions().join(', ')}` })
      .optional(),
  });
}

export const verifyEmailSchema = z.object({ email: emailSchema, code: codeSchema });
export const loginSchema = z.object({ email: emailSchema, password: z.string({ error: 'a password' }).min(1, 'a password').max(1024) });
export const loginVerifySchema = z.object({ challengeId: challengeIdSchema, code: codeSchema });

/** A login challenge is named by id; sign-up and reset codes by address (the client has no id). */
export const resendSchema = z.union([
  z.object({ challengeId: challengeIdSchema }),
  z.object({ email: emailSchema, purpose: z.enum(CHALLENGE_PURPOSES).exclude(['login']).default('signup') }),
]);

export const forgotSchema = z.object({ email: emailSchema });
export const resetSchema = z.object({ email: emailSchema, code: codeSchema, password: passwordSchema });
export const changePasswordSchema = z.object({
  currentPassword: z.string({ error: 'the current password' }).min(1).max(1024),
  newPassword: passwordSchema,
});
