import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../common/config/configError';
import { BlobStore } from '../storage/blobStore';
import { markerPath } from '../storage/encryption/keyMarker';
import { MasterKeyring, masterKeyId } from '../storage/encryption/masterKeys';
import { loadEncryptionConfig } from './encryptionConfig';

const USER = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60';
const FILE = '0b5e7c1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d';
const keyA = Buffer.alloc(32, 0xa1);
const keyB = Buffer.alloc(32, 0xb2);

let dataDir: string;
let nodeDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-keys-'));
  nodeDir = path.join(dataDir, 'node-test');
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Every path under the data dir with its size and mtime: "touches nothing" compares two of these. */
function snapshot(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const stat = fs.statSync(full);
      out.push(`${full} ${stat.size} ${stat.mtimeMs}`);
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dataDir);
  return out.sort();
}

async function storeWithBlob(key: Buffer): Promise<void> {
  const store = new BlobStore(nodeDir, { logger: pino({ level: 'silent' }), encryption: { keyring: MasterKeyring.fromKeys([key]), enabled: true } });
  await store.init();
  await store.write(USER, FILE, Readable.from([Buffer.alloc(100_000, 'secret')]));
}

describe('the master key', () => {
  it('comes from GEOVAULT_MASTER_KEY as hex or base64, and a bad one is named', () => {
    for (const text of [keyA.toString('hex'), keyA.toString('base64')]) {
      const config = loadEncryptionConfig(dataDir, nodeDir, { GEOVAULT_MASTER_KEY: text });
      expect(config.keyring.current.key).toEqual(keyA);
      expect(config.enabled).toBe(true);
    }
    expect(() => loadEncryptionConfig(dataDir, nodeDir, { GEOVAULT_MASTER_KEY: 'abcd' })).toThrow(/GEOVAULT_MASTER_KEY: 32 bytes/);
    expect(fs.existsSync(path.join(dataDir, 'master.key'))).toBe(false);
  });

  it('is created 0600 in <dataDir>/master.key on first start, and the same key is read after', () => {
    const first = loadEncryptionConfig(dataDir, nodeDir, {});
    const file = path.join(dataDir, 'master.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadEncryptionConfig(dataDir, nodeDir, {}).keyring.current.key).toEqual(first.keyring.current.key);
    const elsewhere = path.join(dataDir, 'keys', 'cluster-master.key');
    const other = loadEncryptionConfig(dataDir, nodeDir, { GEOVAULT_MASTER_KEY_FILE: elsewhere });
    expect(fs.existsSync(elsewhere)).toBe(true);
    expect(other.keyring.current.key).not.toEqual(first.keyring.current.key);
  });

  it('reads every key of a key file, the first one current', () => {
    const file = path.join(dataDir, 'two.key');
    fs.writeFileSync(file, `# rotated\n${keyB.toString('hex')}\n\n${keyA.toString('base64')}\n`, { mode: 0o600 });
    const { keyring } = loadEncryptionConfig(dataDir, nodeDir, { GEOVAULT_MASTER_KEY_FILE: file });
    expect(keyring.current.key).toEqual(keyB);
    expect(keyring.key(masterKeyId(keyA))).toEqual(keyA);
  });

  it('switches off only with GEOVAULT_ENCRYPTION=off, and refuses other values', () => {
    expect(loadEncryptionConfig(dataDir, nodeDir, { GEOVAULT_MASTER_KEY: keyA.toString('hex'), GEOVAULT_ENCRYPTION: 'off' }).enabled).toBe(false);
    expect(() => loadEncryptionConfig(dataDir, nodeDir, { GEOVAULT_MASTER_KEY: keyA.toString('hex'), GEOVAULT_ENCRYPTION: 'no' })).toThrow(ConfigError);
  });
});

describe('a node started with the wrong key', () => {
  it('refuses when its marker names another key, and touches nothing', async () => {
    await storeWithBlob(keyA);
    expect(JSON.parse(fs.readFileSync(markerPath(nodeDir), 'utf8'))).toEqual({ keyIds: [masterKeyId(keyA).toString('hex')] });
    const before = snapshot();
    expect(() => loadEncryptionConfig(dataDir, nodeDir, { GEOVAULT_MASTER_KEY: keyB.toString('hex') })).toThrow(
      new RegExp(`encrypted with master key ${masterKeyId(keyA).toString('hex')}.*configured key is ${masterKeyId(keyB).toString('hex')}`),
    );
    expect(snapshot()).toEqual(before);
    // With the right key it starts; with both (a rotation under way) too.
    expect(() => loadEncryptionConfig(dataDir, nodeDir, { GEOVAULT_MASTER_KEY: keyA.toString('hex') })).not.toThrow();
  });

  it('refuses on its blobs alone when the marker is gone', async () => {
    await storeWithBlob(keyA);
    fs.rmSync(markerPath(nodeDir));
    expect(() => loadEncryptionConfig(dataDir, nodeDir, { GEOVAULT_MASTER_KEY: keyB.toString('hex') })).toThrow(ConfigError);
  });

  it('does not make up a new key file over encrypted blobs', async () => {
    await storeWithBlob(keyA);
    const before = snapshot();
    expect(() => loadEncryptionConfig(dataDir, nodeDir, {})).toThrow(/master\.key: master key: missing/);
    expect(snapshot()).toEqual(before);
  });
});
