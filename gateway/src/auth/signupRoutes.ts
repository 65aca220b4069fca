import { randomUUID } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import { AppError } from '../errors';
import { parseInput } from '../http/parseInput';
import type { UserRecord } from '../store/accountsSchema';
import { displayNameProblem } from '../validation/displayName';
import { pruneExpired, sendInBackground, type AuthContext } from './authContext';
import { alreadyRegisteredMail, codeMail } from './authMails';
import { registerSchema, verifyEmailSchema } from './authSchemas';
import { consumeCodeAndCommit, issueChallenge } from './challenges';
import { recordMailRequest, unsolicitedMailAllowed } from './mailBudget';
import { assertAcceptablePassword } from './passwordRules';

const REGISTER_MESSAGE =
  'Check your email: if the address can be used, a 6-digit code is on its way. Enter it to verify your address.';

/** POST /register, /api/auth/register and /api/auth/verify-email. */
export function mountSignupRoutes(router: Router, ctx: AuthContext): void {
  const schema = registerSchema(ctx.regions);
  const ttlMinutes = Math.round(ctx.policy.codeTtlMs / 60_000);

  const register = async (req: Request, res: Response) => {
    const input = parseInput(schema, req.body);
    // The name is echoed into the code mail to the address, which need not be the sender's.
    const nameProblem = displayNameProblem(input.name);
    if (nameProblem?.code === 'reserved_name') throw new AppError('reserved_name', `That name ${nameProblem.message}.`);
    if (nameProblem) throw new AppError('invalid_name', `Your name ${nameProblem.message}.`);
    await assertAcceptablePassword(input.password, input.email);
    // Hashed on every path, used or not: an existing address must not answer faster.
    const passwordHash = await ctx.passwords.hash(input.password);
    const now = ctx.now();
    pruneExpired(ctx);
    const mayMail = unsolicitedMailAllowed(ctx.accounts, input.email, now, ctx.policy);
    recordMailRequest(ctx.accounts, input.email, 'signup', now);
    const existing = ctx.accounts.userByEmail(input.email);
    if (existing?.emailVerified) {
      if (mayMail) sendInBackground(ctx, alreadyRegisteredMail(existing.email, existing.name));
      // Where a new address gets a challenge, this one gets a decoy: codes guessed for it then
      // run out after the same five tries (see the else branch for when a code is issued).
      if (mayMail || !ctx.decoys.find('signup', input.email)) ctx.decoys.arm('signup', input.email, now, ctx.policy);
    } else {
      // An unverified account is only a claim: the newest sign-up replaces it, and only the
      // owner of the mailbox can complete it with the code.
      const details = { name: input.name, region: input.region ?? ctx.defaultRegion(), passwordHash, passwordChangedAt: now };
      let user: UserRecord | undefined = existing;
      if (user) Object.assign(user, details);
      else {
        user = { id: randomUUID(), email: input.email, emailVerified: false, createdAt: now, ...details };
        ctx.accounts.addUser(user);
      }
      if (!existing || mayMail) {
        const { code } = issueChallenge(ctx.accounts, 'signup', user, now, ctx.policy);
        sendInBackground(ctx, codeMail('signup', user.email, user.name, code, ttlMinutes));
      }
    }
    await ctx.accounts.commit();
    ctx.logger.info({ existing: existing !== undefined }, 'sign-up requested');
    res.status(202).json({ message: REGISTER_MESSAGE });
  };
  router.post('/register', register);
  router.post('/api/auth/register', register);

  router.post('/api/auth/verify-email', async (req, res) => {
    const input = parseInput(verifyEmailSchema, req.body);
    const user = ctx.accounts.userByEmail(input.email);
    const challenge = user && ctx.accounts.challengeFor('signup', user.id);
    const decoy = user?.emailVerified ? ctx.decoys.find('signup', input.email) : undefined;
    const consumed = await consumeCodeAndCommit(ctx, { email: input.email, challenge, decoy }, 'signup', input.code);
    const verified = ctx.accounts.userById(consumed.userId);
    if (!verified) throw new AppError('invalid_code');
    verified.emailVerified = true;
    await ctx.accounts.commit();
    ctx.logger.info({ userId: verified.id }, 'email verified');
    res.status(200).json({ verified: true });
  });
}
