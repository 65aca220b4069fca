/**
 * Headers of the replica endpoints (`PUT|GET /v1/replicas/:userId/:fileId`) for encrypted
 * blobs: replicas travel between nodes as the stored ciphertext, and only the node that
 * answers a user (the edge) decrypts (DESIGN §6). A peer that sends none of these gets and
 * sends plaintext, as before encryption.
 */

/** On a PUT: what the body is, `blob` (an encrypted blob) or `plaintext`; absent: told by its magic. */
export const BLOB_FORMAT_HEADER = 'x-geovault-blob-format';
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
