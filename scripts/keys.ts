import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { masterKeyId, parseMasterKey } from '../node/src/storage/encryption/masterKeys';
import { readKeyMarker } from '../node/src/storage/encryption/keyMarker';
import { loadClusterConfig } from '../node/src/config/clusterConfig';
import { readCommonEnv } from '../common/config/env';
import { loadOrCreateClusterSecret } from '../common/signing/clusterSecret';
import { signRequest } from '../common/signing/requestSigning';
import type { KeysReloaded } from '../node/src/api/keys';

/**
 * `npm run keys -- <command>`: the cluster master key file (README: Encryption at rest).
 *
 *   status   the key ids in the file (the first wraps new data keys) and, for each node whose
 *            data dir is here, the key ids its blobs still use
 *   rotate   puts a new random key first, keeping the old ones for unwrapping, then asks
 *            every configured node to reload the file (POST /v1/keys/reload): each then seals
 *            new files under the new key and re-wraps its blobs' data keys in the background,
 *            without rewriting data. A node it cannot reach takes the file at its next start
 *            (on other hosts, copy the file there first, then `keys -- reload`)
 *   reload   asks every configured node to reload the key file
 *   retire   drops every key but the first, once every node here uses only the first
 *
 * The file is GEOVAULT_MASTER_KEY_FILE, else <GEOVAULT_DATA_DIR or vhd_storage>/master.key.
 */
const dataDir = path.resolve(process.env.GEOVAULT_DATA_DIR ?? 'vhd_storage');
const keyFile = path.resolve(process.env.GEOVAULT_MASTER_KEY_FILE ?? path.join(dataDir, 'master.key'));

function fail(message: string): never {
  process.stderr.write(`keys: ${message}\n`);
  process.exit(1);
}

function readKeys(): Buffer[] {
  let text: string;
  try {
    text = fs.readFileSync(keyFile, 'utf8');
  } catch {
    fail(`${keyFile} cannot be read (a node creates it on its first start)`);
  }
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  const keys = lines.map(parseMasterKey);
  if (keys.length === 0 || keys.some((key) => key === undefined)) fail(`${keyFile}: expected master keys, one per line`);
  return keys as Buffer[];
}

/** Replaces the key file atomically: temp file 0600, fsync, rename, fsync of the directory. */
function writeKeys(keys: readonly Buffer[]): void {
  const temp = `${keyFile}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    fs.writeSync(fd, keys.map((key) => key.toString('hex')).join('\n') + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, keyFile);
  const dir = fs.openSync(path.dirname(keyFile), 'r');
  fs.fsyncSync(dir);
  fs.closeSync(dir);
}

/** Key ids each node with a data dir here still needs (its marker). */
function nodesInUse(): Array<{ node: string; keyIds: string[] }> {
  if (!fs.existsSync(dataDir)) return [];
  return fs
    .readdirSync(dataDir)
    .filter((name) => name.startsWith('node-'))
    .map((name) => ({ node: name.slice('node-'.length), keyIds: readKeyMarker(path.join(dataDir, name)) }));
}

/** Asks every node in the cluster config to reload the key file; what each answered. */
async function reloadEverywhere(): Promise<Array<{ node: string; currentKeyId?: string; error?: string }>> {
  const common = readCommonEnv(process.env);
  const cluster = loadClusterConfig(common.configDir, 'lan');
  const secret = loadOrCreateClusterSecret(common.dataDir, common.clusterSecret);
  const pathname = '/v1/keys/reload';
  return Promise.all(
    [...cluster.nodes.values()].map(async (node) => {
      try {
        const res = await fetch(`http://${node.host}:${node.port}${pathname}`, {
          method: 'POST',
          headers: signRequest(secret, 'gateway', 'POST', pathname),
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await res.json()) as KeysReloaded & { error?: { message: string } };
        return res.ok ? { node: node.id, currentKeyId: body.currentKeyId } : { node: node.id, error: body.error?.message ?? `HTTP ${res.status}` };
      } catch (error) {
        return { node: node.id, error: `not reached (${(error as Error).message}); it reads the file when it starts` };
      }
    }),
  );
}

const id = (key: Buffer) => masterKeyId(key).toString('hex');
const command = process.argv[2];
if (process.env.GEOVAULT_MASTER_KEY) fail('GEOVAULT_MASTER_KEY is set: that key is managed where it is injected, not in a file');

if (command === 'status') {
  const keys = readKeys();
  console.log(JSON.stringify({ keyFile, current: id(keys[0]!), older: keys.slice(1).map(id), nodes: nodesInUse() }));
} else if (command === 'rotate') {
  const keys = readKeys();
  const fresh = crypto.randomBytes(32);
  writeKeys([fresh, ...keys]);
  const nodes = await reloadEverywhere();
  console.log(JSON.stringify({ keyFile, current: id(fresh), older: keys.map(id), nodes, next: 'run `keys -- retire` once `keys -- status` shows every node on the current key' }));
} else if (command === 'reload') {
  console.log(JSON.stringify({ keyFile, nodes: await reloadEverywhere() }));
} else if (command === 'retire') {
  const keys = readKeys();
  const current = id(keys[0]!);
  const behind = nodesInUse().filter(({ keyIds }) => keyIds.some((keyId) => keyId !== current));
  if (behind.length > 0) fail(`still re-wrapping: ${behind.map(({ node, keyIds }) => `${node} uses ${keyIds.join(', ')}`).join('; ')}`);
  writeKeys([keys[0]!]);
  console.log(JSON.stringify({ keyFile, current, retired: keys.slice(1).map(id) }));
} else {
  fail('usage: npm run keys -- status | rotate | reload | retire');
}
