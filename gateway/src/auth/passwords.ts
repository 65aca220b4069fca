import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { dictionary } from '@zxcvbn-ts/language-common';
import { MIN_BCRYPT_COST } from '../config/gatewayConfig';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

// ~49k passwords from breach corpora; lower-cased once so the check ignores case.
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

/** DESIGN §8: no composition rules, only length and "not one of the usual suspects". */
export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}

/**
 * bcrypt reads at most 72 bytes and stops at a NUL; a 128-character password would be cut.
 * Hashing it to 44 base64 characters first keeps every character significant.
 */
function prehash(password: string): string {
  return createHash('sha256').update(password.normalize('NFC'), 'utf8').digest('base64');
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /**
   * Costs what `verify` costs and always fails: for unknown accounts, so that a login answers
   * in the same time whether or not the address has an account.
   */
  verifyAgainstNothing(password: string): Promise<false>;
}

export function createPasswordHasher(cost: number): PasswordHasher {
  if (!Number.isInteger(cost) || cost < MIN_BCRYPT_COST) {
    throw new RangeError(`bcrypt cost must be an integer of at least ${MIN_BCRYPT_COST}`);
  }
  // A real hash at the same cost, made once: comparing against it takes as long as a real login.
  const dummyHash = bcrypt.hash(prehash('geovault-no-such-account'), cost);
  return {
    hash: (password) => bcrypt.hash(prehash(password), cost),
    verify: (password, hash) => bcrypt.compare(prehash(password), hash),
    async verifyAgainstNothing(password) {
      await bcrypt.compare(prehash(password), await dummyHash);
      return false;
    },
  };
}
