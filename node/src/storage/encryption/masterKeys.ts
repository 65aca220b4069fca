import { createHash } from 'node:crypto';
import { KEY_BYTES, KEY_ID_BYTES, type KeyLookup } from './blobFormat';

/** One cluster master key and its id (the first bytes of its SHA-256: safe to log and to store). */
export interface MasterKey {
  readonly key: Buffer;
  readonly id: Buffer;
}

export function masterKeyId(key: Buffer): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES);
}

export function keyIdHex(id: Buffer): string {
  return id.toString('hex');
}

/**
 * Parses a master key written as 64 hex digits or as base64 of 32 bytes. Returns undefined for
 * anything else: the caller names the source in its error.
 */
export function parseMasterKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
  }
  return undefined;
}

/**
 * The master keys a node knows: `current` wraps the data keys of new blobs; the others only
 * unwrap (a rotation's old key, until every blob is re-wrapped). A node holds one keyring for
 * its lifetime, shared by everything that seals or opens; `replaceWith` swaps in the keys
 * re-read from the key file (`POST /v1/keys/reload`), so a rotation needs no restart. A reader
 * that took `current` for a blob it is sealing keeps that key: the blob is under it, whole.
 */
export class MasterKeyring implements KeyLookup {
  private byId: ReadonlyMap<string, Buffer>;
  private currentKey: MasterKey;
  private otherKeys: readonly MasterKey[];

  constructor(current: MasterKey, others: readonly MasterKey[] = []) {
    this.currentKey = current;
    this.otherKeys = others;
    this.byId = MasterKeyring.index(current, others);
  }

  get current(): MasterKey {
    return this.currentKey;
  }

  get others(): readonly MasterKey[] {
    return this.otherKeys;
  }

  /** Takes the keys of `next` (a keyring loaded from the key file again). */
  replaceWith(next: MasterKeyring): void {
    this.currentKey = next.current;
    this.otherKeys = next.others;
    this.byId = MasterKeyring.index(next.current, next.others);
  }

  private static index(current: MasterKey, others: readonly MasterKey[]): ReadonlyMap<string, Buffer> {
    return new Map([current, ...others].map((k) => [keyIdHex(k.id), k.key]));
  }

  static fromKeys(keys: readonly Buffer[]): MasterKeyring {
    const [first, ...rest] = keys.map((key) => ({ key, id: masterKeyId(key) }));
    if (!first) throw new Error('a keyring needs at least one key');
    return new MasterKeyring(first, rest);
  }

  key(keyId: Buffer): Buffer | undefined {
    return this.byId.get(keyIdHex(keyId));
  }

  has(keyIdHexString: string): boolean {
    return this.byId.has(keyIdHexString);
  }

  /** Hex ids of every key, current first. */
  get ids(): string[] {
    return [...this.byId.keys()];
  }
}
