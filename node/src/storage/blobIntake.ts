import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileHandleSink } from '../../../common/durable/fileHandleSink';
import type { WriteOptions, WriteResult } from './blobTypes';
import { BlobIngest } from './encryption/blobIngest';
import { rewrapHeader } from './encryption/blobHeadOnDisk';
import { CodecTransform } from './encryption/codecTransform';
import type { MasterKeyring } from './encryption/masterKeys';
import { SealedCopyCheck } from './encryption/sealedCopy';
import { HashingMeter } from './hashingMeter';
import { IntegrityError } from './storageErrors';

/**
 * How a blob write takes its bytes in (BlobStore.write), by what the caller says they are:
 * sealed by this process (stored unchecked), an upload's replica with its coordinator's
 * fingerprint (sealedCopy.ts), plaintext with encryption off (hashed), or anything else through
 * BlobIngest (encrypted, or its tags checked). Streams `source` into `handle`; the plaintext's
 * size and SHA-256. A blob under an older master key is re-wrapped on the way.
 */
export async function takeIn(
  source: AsyncIterable<Buffer> | Readable,
  handle: FileHandle,
  sink: FileHandleSink,
  options: WriteOptions,
  encryption: { keyring: MasterKeyring; encrypts: boolean } | undefined,
): Promise<WriteResult> {
  const { signal } = options;
  if (options.sealed) {
    await pipeline(source, sink, { signal });
    return options.sealed();
  }
  if (options.fingerprint) {
    if (!encryption) throw new IntegrityError('segment', 'plaintext', 'an encrypted blob, and this store has no master key');
    const check = new SealedCopyCheck(encryption.keyring);
    await pipeline(source, new CodecTransform(check), sink, { signal });
    const fingerprint = options.fingerprint();
    check.confirm(fingerprint);
    if (encryption.encrypts) await rewrapHeader(handle, encryption.keyring);
    return { size: check.bytes, sha256: fingerprint!.sha256 };
  }
  if (!encryption && options.input !== 'blob') {
    const meter = new HashingMeter(options);
    await pipeline(source, meter, sink, { signal });
    return { size: meter.bytes, sha256: meter.digest() };
  }
  const ingest = new BlobIngest({
    input: options.input ?? 'auto',
    keyring: encryption?.keyring,
    encrypt: encryption?.encrypts ?? false,
    maxBytes: options.maxBytes,
    expectedSize: options.expectedSize,
  });
  await pipeline(source, new CodecTransform(ingest), sink, { signal });
  // A replica from a peer not yet through a rotation comes under the old key: stored re-wrapped.
  if (ingest.kind === 'blob' && encryption?.encrypts) await rewrapHeader(handle, encryption.keyring);
  return { size: ingest.bytes, sha256: ingest.digest() };
}
