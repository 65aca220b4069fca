import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './configError';

/** The simulated-WAN profiles: `lan` adds no latency to the links of `config/nodes/links.json`. */
export const PROFILES = ['wan', 'lan'] as const;
export type ProfileName = (typeof PROFILES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The environment overrides every process reads (README: Configuration). */
const envSchema = z.object({
  GEOVAULT_DATA_DIR: z.string().min(1).default('vhd_storage'),
  GEOVAULT_CONFIG_DIR: z.string().min(1).default('config/nodes'),
  GEOVAULT_PROFILE: z.enum(PROFILES, { error: `one of ${PROFILES.join(', ')}` }).default('wan'),
  GEOVAULT_CLUSTER_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  GEOVAULT_LOG_LEVEL: z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(', ')}` }).default('info'),
});

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface CommonEnv {
  dataDir: string;
  configDir: string;
  profile: ProfileName;
  clusterSecret: string | undefined;
  logLevel: LogLevel;
}

export function readCommonEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CommonEnv {
  const result = envSchema.safeParse(env);
  if (!result.success) throw ConfigError.fromZod('environment', result.error);
  const parsed = result.data;
  return {
    dataDir: path.resolve(cwd, parsed.GEOVAULT_DATA_DIR),
    configDir: path.resolve(cwd, parsed.GEOVAULT_CONFIG_DIR),
    profile: parsed.GEOVAULT_PROFILE,
    clusterSecret: parsed.GEOVAULT_CLUSTER_SECRET,
    logLevel: parsed.GEOVAULT_LOG_LEVEL,
  };
}
