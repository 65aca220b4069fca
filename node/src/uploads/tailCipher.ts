import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { TAG_BYTES } from '../storage/encryption/blobFormat';

const NONCE_BYTES = 12;
const INFO = Buffer.from('geovault resumable tail v1');

/**
 * The tail of an upload in progress (the plaintext after its last whole segment) is kept on
 * every holder, encrypted, so that a partial never holds plaintext (DESIGN §6). It is sealed
 * with its own key, derived from the upload's data key, and a random nonce each time it is
 * rewritten: never under a segment's nonce, which the finished blob uses for those bytes.
 * The upload id and the offset are bound in, so a tail cannot be replayed at another offset.
 */
export function tailKey(dataKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), INFO, 32));
}

function aad(uploadId: string, offset: number): Buffer {
  const out = Buffer.alloc(36 + 8);
  out.write(uploadId, 0, 'latin1');
  out.writeBigUInt64BE(BigInt(offset), 36);
  return out;
}

/** nonce ‖ ciphertext ‖ tag of `tail` (empty stays empty: nothing to hide, nothing to keep). */
export function sealTail(key: Buffer, uploadId: string, offset: number, tail: Buffer): Buffer {
  if (tail.length === 0) return Buffer.alloc(0);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad(uploadId, offset));
  return Buffer.concat([nonce, cipher.update(tail), cipher.final(), cipher.getAuthTag()]);
}

export class TailError extends Error {}

/** The plaintext tail; TailError when it does not open (damaged, or not the tail of that offset). */
export function openTail(key: Buffer, uploadId: string, offset: number, sealed: Buffer): Buffer {
  if (sealed.length === 0) return Buffer.alloc(0);
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new TailError('the tail record is too short');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
  decipher.setAAD(aad(uploadId, offset));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const plain = decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    throw new TailError(`the tail at offset ${offset} fails its authentication tag`);
  }
  return plain;
}
