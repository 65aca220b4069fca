import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import { MIN_BCRYPT_COST } from '../config/gatewayConfig';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

const PASSWORD_LIST_MODULE = '@zxcvbn-ts/language-common/dist/passwords.json.cjs';
let commonPasswords: Promise<string> | undefined;

/**
 * ~49k passwords from breach corpora, lower-cased, as one "\n"-delimited string. As a Set they
 * were ~100k live strings that every full GC of the gateway had to walk, for a check that runs
 * only when a password is chosen; one string is one object, and a scan of it takes well under
 * a millisecond. The package is loaded in a short-lived worker: required here, its modules
 * would keep its own array of the list alive for good (a module points at its parent).
 */
function commonPasswordList(): Promise<string> {
  commonPasswords ??= new Promise<string>((resolve, reject) => {
    const listPath = createRequire(import.meta.url).resolve(PASSWORD_LIST_MODULE);
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       parentPort.postMessage('\\n' + require(workerData).join('\\n').toLowerCase() + '\\n');`,
      { eval: true, workerData: listPath },
    );
    worker.once('message', (list: string) => {
      resolve(list);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the password list worker exited (${code}) without the list`)));
  }).catch((error: unknown) => {
    commonPasswords = undefined;
    throw error;
  });
  return commonPasswords;
}

/** DESIGN §8: no composition rules, only length and "not one of the usual suspects". */
export async function isCommonPassword(password: string): Promise<boolean> {
  // The list has no line breaks; a password with one would otherwise match across two entries.
  if (password.includes('\n')) return false;
  return (await commonPasswordList()).includes(`\n${password.toLowerCase()}\n`);
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
