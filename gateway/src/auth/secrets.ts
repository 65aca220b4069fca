import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** 256-bit random token for sessions and CSRF, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares two hex digests without leaking where they differ. */
export function hexEquals(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** Six digits, uniformly drawn (randomInt avoids the modulo bias of bytes % 10^6). */
export function newCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/**
 * A code's stored form: salted and bound to its challenge, so a hash copied to another
 * challenge never matches and equal codes never share a hash.
 */
export function hashCode(code: string, salt: string, challengeId: string): string {
  return createHash('sha256').update(`${salt}:${challengeId}:${code}`, 'utf8').digest('hex');
}

export function newSalt(): string {
  return randomBytes(16).toString('hex');
}
