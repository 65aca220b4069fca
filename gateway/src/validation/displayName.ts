/**
 * Names that other people see (a teacher profile, an account's name in mails). Pure, so that
 * every place that accepts such a name refuses the same things:
 * - control characters, line breaks and bidi overrides (they forge extra lines or reorder text
 *   in mails and pages);
 * - web addresses (a name is echoed into mails, where clients turn them into links);
 * - names that pass for the operator: anything with the brand in it, or made only of words
 *   such as "support", "admin", "staff". Matching runs on a skeleton that ignores case,
 *   accents, spacing, punctuation and common look-alike characters, so "GeoVault  Support",
 *   "geovault-support", "G3oVau1t" and "Аdmin" with a Cyrillic А all count.
 */
import { z } from 'zod';

export const DISPLAY_NAME_MAX_LENGTH = 100;

/** The gateway error code a refused name maps to; carried in the zod issue's params. */
export type DisplayNameErrorCode = 'invalid_request' | 'reserved_name';

export interface DisplayNameProblem {
  code: DisplayNameErrorCode;
  message: string;
}

const BRANDS = ['geovault'];

/**
 * Words that, alone or only with each other, make a name look like the operator's. A real
 * name always has a part that is not one of these ("Sam Admin" is fine, "Admin Team" is not).
 */
const ROLE_WORDS = [
  'admin', 'admins', 'administrator', 'administrators', 'administration', 'sysadmin', 'root', 'superuser',
  'system', 'systems', 'staff', 'support', 'security', 'moderator', 'moderators', 'mod', 'mods',
  'official', 'team', 'help', 'helpdesk', 'desk', 'service', 'services', 'customer', 'care', 'trust',
  'safety', 'noreply', 'postmaster', 'webmaster', 'hostmaster', 'abuse', 'billing', 'account', 'accounts',
  'verification', 'notification', 'notifications', 'info', 'operator', 'operations', 'owner', 'bot',
  'contact', 'center', 'centre', 'department', 'legal', 'privacy', 'compliance', 'fraud', 'alert', 'alerts',
  'mailer', 'daemon', 'the', 'of', 'and',
];

/** Letters from other scripts, digits and symbols commonly used to dodge a name filter. */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'e', з: '3', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y',
  х: 'x', ѕ: 's', і: 'i', ї: 'i', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ь: 'b', г: 'r', п: 'n',
  // Greek
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w',
  γ: 'y', μ: 'u',
  // Latin extensions without a decomposition
  ı: 'i', ł: 'l', ø: 'o', đ: 'd', ħ: 'h', ɡ: 'g', ſ: 's', ß: 'ss', æ: 'ae', œ: 'oe',
  // Digits and symbols
  '0': 'o', '1': 'l', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', $: 's', '@': 'a', '|': 'l', '!': 'l', '€': 'e',
};

/**
 * The name reduced to what a reader would take it for: compatibility forms folded (full-width
 * and mathematical letters), accents dropped, look-alikes replaced, "rn"/"vv" read as "m"/"w",
 * i and l merged, and everything that is not a letter or digit removed.
 */
export function nameSkeleton(name: string): string {
  const folded = name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  const mapped = Array.from(folded, (ch) => LOOK_ALIKES[ch] ?? ch).join('');
  return mapped
    .replace(/[^\p{L}\p{N}]/gu, '')
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/i/g, 'l');
}

const BRAND_SKELETONS = BRANDS.map(nameSkeleton);
const ROLE_SKELETONS = new Set(ROLE_WORDS.map(nameSkeleton));
const LONGEST_ROLE = Math.max(...[...ROLE_SKELETONS].map((w) => w.length));

/** Whether `skeleton` is a run of role words with nothing else: a word break over ROLE_SKELETONS. */
function onlyRoleWords(skeleton: string): boolean {
  if (skeleton === '') return false;
  const reachable = new Array<boolean>(skeleton.length + 1).fill(false);
  reachable[0] = true;
  for (let end = 1; end <= skeleton.length; end++) {
    for (let start = Math.max(0, end - LONGEST_ROLE); start < end && !reachable[end]; start++) {
      reachable[end] = reachable[start]! && ROLE_SKELETONS.has(skeleton.slice(start, end));
    }
  }
  return reachable[skeleton.length]!;
}

export function isReservedName(name: string): boolean {
  const skeleton = nameSkeleton(name);
  return BRAND_SKELETONS.some((b) => skeleton.includes(b)) || onlyRoleWords(skeleton);
}

// C0/C1 controls (newlines, tabs, escape), line and paragraph separators, and the bidi
// embedding, override and isolate marks. Zero-width joiners stay: some scripts need them.
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
// A scheme with "//", "www.", or anything shaped like a domain ("evil.com", "a@b.io").
const URL_LIKE = /[a-z][a-z0-9+.-]*:\/\/|\bwww\.|[\p{L}\p{N}-]\.[a-z]{2,63}(?![\p{L}\p{N}])/iu;

/** Why `name` cannot be shown to others, or null when it can. Expects an already trimmed name. */
export function displayNameProblem(name: string): DisplayNameProblem | null {
  if (CONTROL.test(name)) return { code: 'invalid_request', message: 'must not contain control characters or line breaks' };
  if (URL_LIKE.test(name.normalize('NFKC'))) return { code: 'invalid_request', message: 'must not contain a web address' };
  if (isReservedName(name)) return { code: 'reserved_name', message: 'is reserved; choose a name that does not pass for GeoVault or its staff' };
  return null;
}

/** A zod refinement for a display name; a refusal's issue carries `params.errorCode`. */
export function refineDisplayName(name: string, ctx: z.RefinementCtx): void {
  const problem = displayNameProblem(name);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem.message, params: { errorCode: problem.code } });
}

/** A trimmed display name of 1 to `max` characters that passes `displayNameProblem`. */
export function displayNameSchema(max = DISPLAY_NAME_MAX_LENGTH) {
  return z.string().trim().min(1).max(max).superRefine(refineDisplayName);
}

/** The error code a refinement above put on an issue, if any; a parser maps it to its answer. */
export function displayNameErrorCode(issue: z.core.$ZodIssue | undefined): DisplayNameErrorCode | undefined {
  if (issue?.code !== 'custom') return undefined;
  const code = (issue.params as { errorCode?: unknown } | undefined)?.errorCode;
  return code === 'reserved_name' || code === 'invalid_request' ? code : undefined;
}
