/**
 * One-line confirmations carried across a navigation as ?notice=<key>. Only known keys are
 * shown, so a crafted link cannot put arbitrary text on the login page.
 */
const NOTICES: Readonly<Record<string, string>> = {
  verified: 'Your email address is verified. Log in to continue.',
  reset: 'Your password has been changed. Log in with the new password.',
  expired: 'Your session has ended. Please log in again.',
  'logged-out': 'You are logged out.',
};

export function noticeText(key: unknown): string | null {
  return typeof key === 'string' ? (NOTICES[key] ?? null) : null;
}
