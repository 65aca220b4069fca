import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../../common/config/configError';
import { ensurePrivateDir } from '../../../common/durable/privateDir';
import { MasterKeyring, parseMasterKey } from '../storage/encryption/masterKeys';
import { readKeyMarker, sampleBlobKeyIds } from '../storage/encryption/keyMarker';

/** How a node encrypts its blobs at rest (DESIGN §6, README: Encryption at rest). */
export interface EncryptionConfig {
  /** Whether new blobs are written encrypted. Off is for benchmarks only; reads handle both. */
  readonly enabled: boolean;
  readonly keyring: MasterKeyring;
  /** Where the key came from, for messages (never the key itself). */
  readonly keySource: string;
  /** Pace of the background encryption of blobs written before encryption (blobConverter.ts). */
  readonly convert: { readonly bytesPerSecond: number; readonly filesPerSecond: number };
}

const envSchema = z.object({
  GEOVAULT_MASTER_KEY: z.string().min(1).optional(),
  GEOVAULT_MASTER_KEY_FILE: z.string().min(1).optional(),
  GEOVAULT_ENCRYPTION: z.enum(['on', 'off'], { error: 'on or off (off is for benchmarks only)' }).default('on'),
  GEOVAULT_CONVERT_BYTES_PER_SEC: z.coerce.number().int().positive('a positive number of bytes per second').default(16 * 1024 * 1024),
  GEOVAULT_CONVERT_FILES_PER_SEC: z.coerce.number().int().positive('a positive number of files per second').default(50),
});

/**
 * Loads the cluster master key and checks, before anything on disk is touched, that it opens
 * what this node already holds. The key comes from `GEOVAULT_MASTER_KEY` (64 hex digits or
 * base64 of 32 bytes), else from `GEOVAULT_MASTER_KEY_FILE` (default `<dataDir>/master.key`),
 * which is created 0600 with a random key on the cluster's first start, as `cluster.key` is:
 * exclusively, so nodes starting at once all end up with the one key.
 *
 * A node whose key marker or blobs name a key this keyring lacks refuses to start with a
 * ConfigError; with no key configured at all it does not make one up over existing data.
 */
export function loadEncryptionConfig(dataDir: string, nodeDir: string, env: NodeJS.ProcessEnv): EncryptionConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) throw ConfigError.fromZod('environment', result.error);
  const parsed = result.data;
  const inUse = keyIdsInUse(nodeDir);
  let keys: Buffer[];
  let keySource: string;
  if (parsed.GEOVAULT_MASTER_KEY !== undefined) {
    const key = parseMasterKey(parsed.GEOVAULT_MASTER_KEY);
    if (!key) throw new ConfigError('environment', 'GEOVAULT_MASTER_KEY', '32 bytes as 64 hex digits or base64');
    keys = [key];
    keySource = 'GEOVAULT_MASTER_KEY';
  } else {
    const file = path.resolve(parsed.GEOVAULT_MASTER_KEY_FILE ?? path.join(dataDir, 'master.key'));
    keySource = file;
    if (!fs.existsSync(file) && inUse.size > 0) {
      throw new ConfigError(
        file,
        'master key',
        `missing, but this node's blobs are encrypted with master key ${[...inUse].join(', ')}: restore the key file (or set GEOVAULT_MASTER_KEY); a new key would open none of them`,
      );
    }
    keys = readOrCreateKeyFile(file);
  }
  const keyring = MasterKeyring.fromKeys(keys);
  const unknown = [...inUse].filter((id) => !keyring.has(id));
  if (unknown.length > 0) {
    throw new ConfigError(
      keySource,
      'master key',
      `this node's blobs are encrypted with master key ${unknown.join(', ')}, but the configured key is ${keyring.ids.join(', ')}: ` +
        'start it with the key it was using (nothing was changed on disk)',
    );
  }
  return {
    enabled: parsed.GEOVAULT_ENCRYPTION === 'on',
    keyring,
    keySource,
    convert: { bytesPerSecond: parsed.GEOVAULT_CONVERT_BYTES_PER_SEC, filesPerSecond: parsed.GEOVAULT_CONVERT_FILES_PER_SEC },
  };
}

/** Key ids this node's data already depends on: its marker, and the headers of a sample of its blobs. */
function keyIdsInUse(nodeDir: string): Set<string> {
  return new Set([...readKeyMarker(nodeDir), ...sampleBlobKeyIds(nodeDir)]);
}

/**
 * The keys of a key file: one per line, the first wraps new data keys, later ones only unwrap
 * (what a rotation leaves until it is done); blank lines and `#` comments are skipped.
 */
function readOrCreateKeyFile(file: string): Buffer[] {
  ensurePrivateDir(path.dirname(file));
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A racing creator may not have finished writing; wait briefly for a whole key.
  for (let attempt = 0; ; attempt++) {
    const lines = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    const keys = lines.map(parseMasterKey);
    if (keys.length > 0 && keys.every((key) => key !== undefined)) return keys as Buffer[];
    if (attempt >= 50) {
      const bad = keys.findIndex((key) => key === undefined);
      throw new ConfigError(file, bad < 0 ? 'key' : `line ${bad + 1}`, 'a master key of 32 bytes as 64 hex digits or base64, one per line');
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}
