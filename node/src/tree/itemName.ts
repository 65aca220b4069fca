import { z } from 'zod';

/**
 * The names of files and folders: what a valid name is, how names compare, and where an
 * extension starts. Pure, so that the gateway, the node and the conflict renaming all agree.
 */

export const MAX_NAME_LENGTH = 255;

export type ItemKind = 'file' | 'folder';

export type NameProblem = 'empty' | 'too_long' | 'slash' | 'control_character' | 'dot_name' | 'invalid_unicode';

const PROBLEM_MESSAGES: Readonly<Record<NameProblem, string>> = {
  empty: 'a name of at least one character',
  too_long: `a name of at most ${MAX_NAME_LENGTH} characters`,
  slash: 'a name without "/"',
  control_character: 'a name without control characters, line breaks or bidi overrides',
  dot_name: 'a name other than "." and ".."',
  invalid_unicode: 'a name of well-formed Unicode',
};

// C0/C1 controls, line and paragraph separators and bidi overrides: the same class that
// gateway/src/validation/displayName.ts refuses. In a file name a right-to-left override turns
// "invoice\u202Efdp.exe" into what reads as "invoiceexe.pdf".
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
// With the u flag a well-formed surrogate pair is one code point, so this only matches halves
// that stand alone: they cannot be encoded as UTF-8, so the store could not keep the name.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Length in code points, so that "📄" counts as one character, as a user counts it. */
export function nameLength(name: string): number {
  let count = 0;
  for (const _ of name) count++;
  return count;
}

/** Why a name cannot be used for an item, or null when it can. */
export function nameProblem(name: string): NameProblem | null {
  if (name.length === 0) return 'empty';
  // Every code point is at most two UTF-16 units: longer strings are refused without a count.
  if (name.length > MAX_NAME_LENGTH * 2 || nameLength(name) > MAX_NAME_LENGTH) return 'too_long';
  if (name.includes('/')) return 'slash';
  if (LONE_SURROGATE.test(name)) return 'invalid_unicode';
  if (CONTROL.test(name)) return 'control_character';
  if (name === '.' || name === '..') return 'dot_name';
  return null;
}

export function nameProblemMessage(problem: NameProblem): string {
  return PROBLEM_MESSAGES[problem];
}

/** The schema the API parses names with; the issue's params carry the problem for its error code. */
export const itemNameSchema = z.string().superRefine((name, ctx) => {
  const problem = nameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: PROBLEM_MESSAGES[problem], params: { problem } });
});

/**
 * What two names are compared by when deciding whether they clash in one folder. NFC, so that
 * "é" typed as one code point or as "e" + accent is the same name; case is kept, as on Linux
 * and in Nextcloud ("Report.pdf" and "report.pdf" may live side by side).
 */
export function nameKey(name: string): string {
  return name.normalize('NFC');
}

export interface SplitName {
  base: string;
  /** Empty, or the last extension with its dot: ".pdf", ".gz". */
  ext: string;
}

/**
 * Where a suffix such as " (1)" goes: before the last extension of a file. Folders have no
 * extension; neither has a dotfile such as ".env" (the dot starts the name, not an extension),
 * nor a name that ends with a dot. "archive.tar.gz" splits as "archive.tar" + ".gz".
 */
export function splitExtension(name: string, kind: ItemKind): SplitName {
  if (kind === 'folder') return { base: name, ext: '' };
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return { base: name, ext: '' };
  return { base: name.slice(0, dot), ext: name.slice(dot) };
}

/** The first `max` code points of `text`, never half a surrogate pair. */
export function truncateCodePoints(text: string, max: number): string {
  if (max <= 0) return '';
  let out = '';
  let count = 0;
  for (const ch of text) {
    if (count === max) break;
    out += ch;
    count++;
  }
  return out;
}

/**
 * A valid name made from one that is not (names of the first release allowed `/` and 1,024
 * characters): the file keeps a recognisable name instead of being lost or refused.
 */
export function repairName(name: string): string {
  if (nameProblem(name) === null) return name;
  const cleaned = name
    .replaceAll('/', '∕')
    .replace(new RegExp(CONTROL.source, 'gu'), ' ')
    .replace(new RegExp(LONE_SURROGATE.source, 'gu'), '\uFFFD')
    .trim();
  const fixed = truncateCodePoints(cleaned, MAX_NAME_LENGTH);
  return nameProblem(fixed) === null ? fixed : 'unnamed';
}
