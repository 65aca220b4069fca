import { AppError } from '../errors';
import { isCommonPassword } from './passwords';

/** Repeats of a unit up to this long ("aaaaaaaa", "abababab", "abcabcab", "passpass") are refused. */
const MAX_REPEATED_UNIT = 4;
/** What may be left beside the address's name: "ada.lovelace1" is as guessable as "ada.lovelace". */
const MAX_NAME_SUFFIX = 4;

function isShortRepeat(chars: string[]): boolean {
  for (let unit = 1; unit <= MAX_REPEATED_UNIT && unit * 2 <= chars.length; unit += 1) {
    if (chars.every((ch, i) => ch === chars[i % unit])) return true;
  }
  return false;
}

/** Each character one after (or before) the previous: "12345678", "87654321", "abcdefgh", "7890123". */
function isRun(chars: string[]): boolean {
  if (chars.length < 3) return false;
  const step = (a: string, b: string): number => {
    if (a === '9' && b === '0') return 1;
    if (a === '0' && b === '9') return -1;
    return b.codePointAt(0)! - a.codePointAt(0)!;
  };
  const first = step(chars[0]!, chars[1]!);
  return Math.abs(first) === 1 && chars.every((ch, i) => i === 0 || step(chars[i - 1]!, ch) === first);
}

function isPattern(text: string): boolean {
  const chars = Array.from(text);
  return chars.length === 0 || isShortRepeat(chars) || isRun(chars);
}

/** The address's own name in the spellings people make passwords of: "ada.lovelace", "adalovelace". */
function namesIn(email: string): string[] {
  const [local = '', domain = ''] = email.toLowerCase().split('@');
  const untagged = local.split('+')[0]!;
  const joined = untagged.replace(/[^\p{L}\p{N}]/gu, '');
  return [email.toLowerCase(), `${untagged}@${domain}`, local, untagged, joined].filter((name) => Array.from(name).length >= 3);
}

/**
 * DESIGN §9's "trivially guessable": one repeated character (and other short repeats), a run
 * such as "12345678", or the email's own name with at most a few characters or a pattern added.
 */
export function isTriviallyGuessable(password: string, email: string): boolean {
  const text = password.normalize('NFC').toLowerCase();
  if (isPattern(text)) return true;
  return namesIn(email).some((name) => {
    if (!text.includes(name)) return false;
    const rest = text.replace(name, '');
    return Array.from(rest).length <= MAX_NAME_SUFFIX || isPattern(rest);
  });
}

/** Refuses a new password that is common or trivially guessable for this address (weak_password). */
export async function assertAcceptablePassword(password: string, email: string): Promise<void> {
  if (isTriviallyGuessable(password, email) || (await isCommonPassword(password))) throw new AppError('weak_password');
}
