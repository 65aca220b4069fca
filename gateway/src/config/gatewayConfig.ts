import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../../common/config/configError';
import { readCommonEnv, type LogLevel } from '../../../common/config/env';

/** Below cost 10 a stolen hash file is cheap to crack (DESIGN §8: never below 10). */
export const MIN_BCRYPT_COST = 10;
export const DEFAULT_BCRYPT_COST = 12;

const PORT_EXPECTED = 'an integer port from 0 to 65535 (0 picks a free one)';
const port = () =>
  z.coerce.number({ error: PORT_EXPECTED }).int(PORT_EXPECTED).min(0, PORT_EXPECTED).max(65535, PORT_EXPECTED);

const gatewayEnvSchema = z.object({
  GATEWAY_PORT: port().default(8080),
  GATEWAY_HOST: z.string().min(1, 'a host name or IP address').default('127.0.0.1'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'an smtp:// or smtps:// URL')
    .optional(),
  GATEWAY_SMTP_SINK_PORT: port().default(2525),
  GEOVAULT_BCRYPT_COST: z.coerce
    .number({ error: `an integer from ${MIN_BCRYPT_COST} to 15` })
    .int(`an integer from ${MIN_BCRYPT_COST} to 15`)
    .min(MIN_BCRYPT_COST, `an integer from ${MIN_BCRYPT_COST} to 15 (below ${MIN_BCRYPT_COST} is too weak)`)
    // bcryptjs is pure JS: cost 16 already takes seconds per login on a small machine.
    .max(15, `an integer from ${MIN_BCRYPT_COST} to 15`)
    .default(DEFAULT_BCRYPT_COST),
  MAIL_FROM: z.string().min(3, 'a sender such as "GeoVault <no-reply@example.org>"').default('GeoVault <no-reply@geovault.local>'),
  // Express "trust proxy": only set it when a TLS-terminating proxy sits in front, otherwise
  // clients could forge X-Forwarded-For (throttling) and X-Forwarded-Proto (Secure cookies).
  // DESIGN §9: no single user can hold the pool every user's uploads go through.
  GATEWAY_UPLOADS_PER_USER: z.coerce.number({ error: 'an integer from 1 to 1000' }).int('an integer from 1 to 1000').min(1, 'an integer from 1 to 1000').max(1000, 'an integer from 1 to 1000').default(8),
  GATEWAY_NODE_STREAM_SOCKETS: z.coerce.number({ error: 'an integer from 1 to 4096' }).int('an integer from 1 to 4096').min(1, 'an integer from 1 to 4096').max(4096, 'an integer from 1 to 4096').default(64),
  GATEWAY_NODE_TIMEOUT_MS: z.coerce.number({ error: 'milliseconds from 100 to 600000' }).int('milliseconds from 100 to 600000').min(100, 'milliseconds from 100 to 600000').max(600_000, 'milliseconds from 100 to 600000').default(10_000),
  // Admins (fault injection, DESIGN §8): a comma-separated list of account emails.
  GEOVAULT_ADMIN_EMAILS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((email) => email.trim().toLowerCase()).filter(Boolean))
    .superRefine((emails, ctx) => {
      const bad = emails.find((email) => !z.email().safeParse(email).success);
      if (bad !== undefined) ctx.addIssue({ code: 'custom', message: `a comma-separated list of email addresses ("${bad}" is not one)` });
    }),
  GATEWAY_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2}|[\w.:/, -]+)$/, 'true, false, a hop count, or a comma-separated list of addresses')
    .optional(),
});

export type TrustProxy = boolean | number | string;

export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  /** A real SMTP server; undefined = start the embedded sink. */
  readonly smtpUrl: string | undefined;
  readonly smtpSinkPort: number;
  readonly bcryptCost: number;
  readonly mailFrom: string;
  readonly trustProxy: TrustProxy;
  /** Uploads one user may have in flight at once. */
  readonly uploadsPerUser: number;
  /** Sockets per node for upload streams (control calls have a pool of their own). */
  readonly nodeStreamSockets: number;
  /** Deadline of a control call to a node. */
  readonly nodeTimeoutMs: number;
  /** Lower-cased emails of the accounts that may inject faults. */
  readonly adminEmails: ReadonlySet<string>;
  readonly dataDir: string;
  /** `<dataDir>/gateway`: lowdb files (accounts.json, skillshare's own file). */
  readonly gatewayDir: string;
  readonly logLevel: LogLevel;
}

function parseTrustProxy(value: string | undefined): TrustProxy {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** Reads and validates the gateway's environment once at start-up; errors name the field. */
export function readGatewayConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): GatewayConfig {
  const common = readCommonEnv(env, cwd);
  const result = gatewayEnvSchema.safeParse(env);
  if (!result.success) throw ConfigError.fromZod('environment', result.error);
  const parsed = result.data;
  return Object.freeze({
    host: parsed.GATEWAY_HOST,
    port: parsed.GATEWAY_PORT,
    smtpUrl: parsed.SMTP_URL,
    smtpSinkPort: parsed.GATEWAY_SMTP_SINK_PORT,
    bcryptCost: parsed.GEOVAULT_BCRYPT_COST,
    mailFrom: parsed.MAIL_FROM,
    trustProxy: parseTrustProxy(parsed.GATEWAY_TRUST_PROXY),
    uploadsPerUser: parsed.GATEWAY_UPLOADS_PER_USER,
    nodeStreamSockets: parsed.GATEWAY_NODE_STREAM_SOCKETS,
    nodeTimeoutMs: parsed.GATEWAY_NODE_TIMEOUT_MS,
    adminEmails: new Set(parsed.GEOVAULT_ADMIN_EMAILS),
    dataDir: common.dataDir,
    gatewayDir: path.join(common.dataDir, 'gateway'),
    logLevel: common.logLevel,
  });
}
