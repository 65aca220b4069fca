import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import pino from 'pino';
import { BlobStore, type BlobEncryption } from './blobStore';
import { MasterKeyring } from './encryption/masterKeys';

/** Test-only helpers for the storage tests: a BlobStore in a fresh temp dir, never vhd_storage/. */
export const USER = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60';
export const OTHER_USER = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
export const FILE = '0b5e7c1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d';
export const OTHER_FILE = 'c9d8e7f6-a5b4-4c3d-9e2f-1a0b9c8d7e6f';

export interface TempStore {
  readonly store: BlobStore;
  readonly nodeDir: string;
  cleanup(): Promise<void>;
}

/** A keyring with one fixed test key (and more when asked), for stores that encrypt. */
export function testKeyring(...extra: Buffer[]): MasterKeyring {
  return MasterKeyring.fromKeys([Buffer.alloc(32, 7), ...extra]);
}

export async function tempStore(prefix = 'geovault-blobstore-', encryption?: BlobEncryption): Promise<TempStore> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  const nodeDir = path.join(root, 'node-test');
  const store = new BlobStore(nodeDir, { logger: pino({ level: 'silent' }), encryption });
  await store.init();
  return { store, nodeDir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function* chunksOf(data: Buffer, size = 1000): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
