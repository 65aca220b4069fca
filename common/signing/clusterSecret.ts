import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from '../durable/privateDir';

/**
 * The shared secret every node and the gateway sign with. Taken from the environment when
 * given, else `<dataDir>/cluster.key`, created on first start. Three processes may start at
 * once, so creation is exclusive (`wx`) and the losers read the winner's key.
 */
export function loadOrCreateClusterSecret(dataDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir, 'cluster.key');
  ensurePrivateDir(dataDir);
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A racing creator may not have finished writing; wait briefly for a whole key.
  for (let attempt = 0; attempt < 50; attempt++) {
    const key = fs.readFileSync(file, 'utf8').trim();
    if (key.length >= 32) return key;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new Error(`${file}: expected a key of at least 32 characters`);
}
