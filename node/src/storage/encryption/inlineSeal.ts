import type { InlineData } from '../../api/files';
import { BlobOpener } from './blobDecoder';
import { BlobSealer } from './blobEncryptor';
import { HEADER_BYTES, parseHeader, type KeyLookup } from './blobFormat';
import { IntegrityError } from '../storageErrors';
import { rewrappedSlot } from './blobHeadOnDisk';
import { keyIdHex, type MasterKeyring } from './masterKeys';

/**
 * The bytes of a small file kept in the index (`data/<userId>/<fileId>`, DESIGN §6) are sealed
 * like a blob file: the same format, a fresh data key wrapped under the master key, sealed
 * once by the node that takes the upload. The index, its gossip and every node's SQLite file
 * hold only ciphertext, and a rotation re-wraps the header without touching the segments.
 * Values from before encryption (`{base64}`) still read; the inline converter seals them.
 */
export class InlineCodec {
  constructor(
    private readonly keyring: MasterKeyring | undefined,
    /** Whether new values are sealed (GEOVAULT_ENCRYPTION off keeps plaintext for benchmarks). */
    private readonly encrypts: boolean,
  ) {}

  /** The index value for a new inline file's bytes. */
  value(data: Buffer): InlineData {
    if (!this.encrypts || !this.keyring) return { base64: data.toString('base64') };
    return { sealed: sealInline(data, this.keyring).toString('base64') };
  }

  /** The plaintext of a stored value; throws a StorageError when its tags or key do not hold. */
  open(value: InlineData): Buffer {
    if ('base64' in value) return Buffer.from(value.base64, 'base64');
    if (!this.keyring) throw new IntegrityError('segment', 'a master key to open a sealed inline file', 'none');
    return openInline(Buffer.from(value.sealed, 'base64'), this.keyring);
  }

  /**
   * The value under the current master key: a plaintext one sealed, a sealed one re-wrapped;
   * undefined when it needs nothing.
   */
  current(value: InlineData): InlineData | undefined {
    if (!this.encrypts || !this.keyring) return undefined;
    if ('base64' in value) return this.value(Buffer.from(value.base64, 'base64'));
    const rewrapped = rewrapInline(Buffer.from(value.sealed, 'base64'), this.keyring);
    return rewrapped ? { sealed: rewrapped.toString('base64') } : undefined;
  }

  /** The hex id of the master key a value is sealed under; undefined for plaintext. */
  static keyId(value: InlineData): string | undefined {
    if ('base64' in value) return undefined;
    try {
      return keyIdHex(parseHeader(Buffer.from(value.sealed, 'base64').subarray(0, HEADER_BYTES)).active.keyId);
    } catch {
      return undefined;
    }
  }
}

export function sealInline(data: Buffer, keyring: MasterKeyring): Buffer {
  const out: Buffer[] = [];
  const sealer = new BlobSealer(keyring.current);
  sealer.update(data, (bytes) => out.push(bytes));
  sealer.end((bytes) => out.push(bytes));
  return Buffer.concat(out);
}

export function openInline(sealed: Buffer, keys: KeyLookup): Buffer {
  const out: Buffer[] = [];
  const opener = new BlobOpener({ keys, output: 'plaintext' });
  opener.update(sealed, (bytes) => out.push(bytes));
  opener.end((bytes) => out.push(bytes));
  return Buffer.concat(out);
}

/** The sealed bytes with the data key re-wrapped under the current key; undefined when it already is. */
export function rewrapInline(sealed: Buffer, keyring: MasterKeyring): Buffer | undefined {
  const rewrap = rewrappedSlot(sealed.subarray(0, HEADER_BYTES), keyring);
  if (!rewrap) return undefined;
  const copy = Buffer.from(sealed);
  rewrap.slot.copy(copy, rewrap.offset);
  return copy;
}
