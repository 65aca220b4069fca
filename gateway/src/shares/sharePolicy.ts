import { z } from 'zod';
import { ConfigError } from '../../../common/config/configError';

const MINUTE = 60_000;

/** The numbers behind share links in one place; tests may lower the throttles, never the crypto. */
export interface SharePolicy {
  /** Wrong passwords one link takes within passwordFailureWindowMs before it answers 429. */
  passwordFailuresPerShare: number;
  /** Wrong passwords one address may send (to any link) within the window. */
  passwordFailuresPerIp: number;
  passwordFailureWindowMs: number;
  /** How long an unlocked link stays unlocked in that browser. */
  unlockTtlMs: number;
  /** Requests one address may make to the public endpoints per window (pages, lists, downloads). */
  publicRequestsPerIp: number;
  publicRequestWindowMs: number;
  /** Drop uploads one address may send per window. */
  publicUploadsPerIp: number;
  /** Drop uploads in flight into one owner's files at once, whoever sends them. */
  dropUploadsPerOwner: number;
  /** Links one user may hold. */
  sharesPerUser: number;
}

export const DEFAULT_SHARE_POLICY: Readonly<SharePolicy> = Object.freeze({
  passwordFailuresPerShare: 10,
  passwordFailuresPerIp: 20,
  passwordFailureWindowMs: 15 * MINUTE,
  unlockTtlMs: 60 * MINUTE,
  // A shared folder of photos is a page, a list and one thumbnail or preview per file: a
  // visitor browsing one can ask for a few hundred things a minute; a scraper asks for far more.
  publicRequestsPerIp: 1200,
  publicRequestWindowMs: MINUTE,
  publicUploadsPerIp: 120,
  dropUploadsPerOwner: 8,
  sharesPerUser: 1000,
});

const count = (what: string) => z.coerce.number({ error: what }).int(what).min(1, what).max(1_000_000, what);

const shareEnvSchema = z.object({
  GATEWAY_SHARE_REQUESTS_PER_MINUTE: count('an integer from 1 to 1000000').optional(),
  GATEWAY_SHARE_UPLOADS_PER_MINUTE: count('an integer from 1 to 1000000').optional(),
  GATEWAY_SHARE_PASSWORD_FAILURES: count('an integer from 1 to 1000000').optional(),
});

/**
 * The policy with environment overrides (GATEWAY_SHARE_REQUESTS_PER_MINUTE and
 * GATEWAY_SHARE_UPLOADS_PER_MINUTE per address, GATEWAY_SHARE_PASSWORD_FAILURES per link in
 * 15 minutes). A bad value stops start-up with a message naming the variable.
 */
export function readSharePolicy(env: NodeJS.ProcessEnv = process.env): SharePolicy {
  const result = shareEnvSchema.safeParse(env);
  if (!result.success) throw ConfigError.fromZod('environment', result.error);
  const parsed = result.data;
  return Object.freeze({
    ...DEFAULT_SHARE_POLICY,
    ...(parsed.GATEWAY_SHARE_REQUESTS_PER_MINUTE !== undefined ? { publicRequestsPerIp: parsed.GATEWAY_SHARE_REQUESTS_PER_MINUTE } : {}),
    ...(parsed.GATEWAY_SHARE_UPLOADS_PER_MINUTE !== undefined ? { publicUploadsPerIp: parsed.GATEWAY_SHARE_UPLOADS_PER_MINUTE } : {}),
    ...(parsed.GATEWAY_SHARE_PASSWORD_FAILURES !== undefined ? { passwordFailuresPerShare: parsed.GATEWAY_SHARE_PASSWORD_FAILURES } : {}),
  });
}
