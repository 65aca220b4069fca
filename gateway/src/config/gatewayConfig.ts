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
    dataDir: common.dataDir,
    gatewayDir: path.join(common.dataDir, 'gateway'),
    logLevel: common.logLevel,
  });
}
