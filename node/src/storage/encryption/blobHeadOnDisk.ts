import type { FileHandle } from 'node:fs/promises';
import { BlobFormatError, encodeSlot, hasBlobMagic, HEADER_BYTES, parseHeader, plainSizeOf, SLOT_BYTES, slotOffset, wrapDataKey } from './blobFormat';
import { openHeader } from './blobDecoder';
import type { MasterKeyring } from './masterKeys';
import { IntegrityError } from '../storageErrors';

/** A blob file's head as read from disk (BlobStore): plaintext from before encryption, or an encrypted blob. */
export type BlobHead =
  | { kind: 'plain'; size: number }
  | { kind: 'blob'; header: Buffer; segmentSize: number; physical: number };

/** Tells a plaintext blob (written before encryption) from an encrypted one, by its first bytes. */
export async function inspect(handle: FileHandle): Promise<BlobHead> {
  const { size } = await handle.stat();
  const header = Buffer.alloc(Math.min(HEADER_BYTES, size));
  const { bytesRead } = await handle.read(header, 0, header.length, 0);
  if (!hasBlobMagic(header.subarray(0, bytesRead))) return { kind: 'plain', size };
  try {
    return { kind: 'blob', header, segmentSize: parseHeader(header).active.segmentSize, physical: size };
  } catch (error) {
    if (error instanceof BlobFormatError) throw new IntegrityError('segment', 'authentic encrypted blob', error.message);
    throw error;
  }
}

export function checkedPlainSize(head: { segmentSize: number; physical: number }): number {
  const size = plainSizeOf(head.physical, head.segmentSize);
  if (size === undefined) throw new IntegrityError('segment', 'a blob of whole segments', `${head.physical} bytes`);
  return size;
}

/** Writes the data key wrapped under the current master key into the inactive slot; false when it already is. */
export async function rewrapHeader(handle: FileHandle, keyring: MasterKeyring): Promise<boolean> {
  const header = Buffer.alloc(HEADER_BYTES);
  const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
  if (bytesRead < HEADER_BYTES || !hasBlobMagic(header)) return false;
  const rewrap = rewrappedSlot(header, keyring);
  if (!rewrap) return false;
  await handle.write(rewrap.slot, 0, SLOT_BYTES, rewrap.offset);
  return true;
}

/**
 * The slot that re-wraps a header's data key under the current master key, and where it goes
 * (the inactive slot, so that a crash leaves the old one valid); undefined when the header is
 * under the current key already.
 */
export function rewrappedSlot(header: Buffer, keyring: MasterKeyring): { slot: Buffer; offset: number } | undefined {
  let parsed;
  try {
    parsed = parseHeader(header);
  } catch (error) {
    if (error instanceof BlobFormatError) throw new IntegrityError('segment', 'authentic encrypted blob', error.message);
    throw error;
  }
  const { active, activeIndex } = parsed;
  if (active.keyId.equals(keyring.current.id)) return undefined;
  const opened = openHeader(header, keyring);
  const slot = wrapDataKey(opened.dataKey, keyring.current, { nonceBase: active.nonceBase, segmentSize: active.segmentSize, sequence: active.sequence + 1 });
  return { slot: encodeSlot(slot), offset: slotOffset(activeIndex === 0 ? 1 : 0) };
}
