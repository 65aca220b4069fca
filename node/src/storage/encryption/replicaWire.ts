import type { SealedFingerprint } from './sealedCopy';

/**
 * Headers of the replica endpoints (`PUT|GET /v1/replicas/:userId/:fileId`) for encrypted
 * blobs: replicas travel between nodes as the stored ciphertext, and only the node that
 * answers a user (the edge) decrypts (DESIGN §6). A peer that sends none of these gets and
 * sends plaintext, as before encryption.
 */

/** On a PUT: what the body is, `blob` (an encrypted blob) or `plaintext`; absent: told by its magic. */
export const BLOB_FORMAT_HEADER = 'x-geovault-blob-format';
/**
 * On a PUT of an upload's replica, sent in HTTP trailers once the last byte is out (and named
 * in the `Trailer` header): the plaintext's SHA-256 and the blob's CRC-32, which the replica
 * checks its copy against instead of opening it (sealedCopy.ts).
 */
export const SEALED_SHA256_TRAILER = 'x-geovault-sealed-sha256';
export const SEALED_CRC32_TRAILER = 'x-geovault-sealed-crc32';

/** The fingerprint a PUT's trailers carry, or undefined when they carry none (or a malformed one). */
export function sealedFingerprintOf(trailers: Record<string, string | undefined>): SealedFingerprint | undefined {
  const sha256 = trailers[SEALED_SHA256_TRAILER];
  const crc32 = trailers[SEALED_CRC32_TRAILER];
  if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256) || !crc32 || !/^[0-9a-f]{8}$/.test(crc32)) return undefined;
  return { sha256, crc32 };
}

export function sealedTrailersOf(fingerprint: SealedFingerprint): Record<string, string> {
  return { [SEALED_SHA256_TRAILER]: fingerprint.sha256, [SEALED_CRC32_TRAILER]: fingerprint.crc32 };
}

/** On a GET: the caller takes the stored bytes (`blob`): the whole blob, or for a Range its header and the segments it touches. */
export const BLOB_ACCEPT_HEADER = 'x-geovault-blob-accept';
/** On a GET answer in stored form: the file's plaintext size. */
export const PLAIN_SIZE_HEADER = 'x-geovault-plain-size';
/** On a GET answer in stored form: the plaintext range it holds, `start-end`. */
export const PLAIN_RANGE_HEADER = 'x-geovault-plain-range';
/** On a ranged GET answer of an encrypted blob: the segments after the header, `first-last`. */
export const SEGMENTS_HEADER = 'x-geovault-segments';

/** Parses `a-b` of non-negative integers (a ≤ b + 1), or undefined. */
export function parsePair(value: string | string[] | undefined): { first: number; second: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{1,15})-(-1|\d{1,15})$/.exec(value);
  if (!match) return undefined;
  const first = Number(match[1]);
  const second = Number(match[2]);
  return second >= first - 1 ? { first, second } : undefined;
}
