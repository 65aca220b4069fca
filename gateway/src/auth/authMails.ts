import type { OutgoingMail } from '../mail/mailer';
import type { ChallengePurpose } from '../store/accountsSchema';
import { displayNameProblem } from '../validation/displayName';
import type { ClientInfo } from './clientInfo';

// Subjects are kept apart from those of the code mails ("verification", "sign-in", "reset
// code"): clients and tests that pick the newest code mail by subject must not get a notice.
const PURPOSE_TEXT: Record<ChallengePurpose, { subject: string; lead: string }> = {
  signup: { subject: 'Your GeoVault verification code', lead: 'Welcome to GeoVault. To verify your email address, enter this code:' },
  login: { subject: 'Your GeoVault sign-in code', lead: 'To finish signing in to GeoVault, enter this code:' },
  reset: { subject: 'Your GeoVault password reset code', lead: 'To choose a new GeoVault password, enter this code:' },
};

/**
 * Sign-up refuses names that could forge lines, links or a sender in a mail; a record older
 * than that rule may still hold one, so a name that fails it is left out rather than mailed.
 */
function greeting(name: string): string {
  return displayNameProblem(name) === null ? `Hello ${name},` : 'Hello,';
}

function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function whereFrom(info: ClientInfo): string[] {
  return [`    When:        ${formatTime(info.at)}`, `    Device:      ${info.client}`, `    IP address:  ${info.ip}`];
}

const IF_NOT_YOU = [
  'If this was not you, reset your password now ("Forgot your password?" on the sign-in page):',
  'that signs out every session. Then check your files and shares.',
];

export function codeMail(purpose: ChallengePurpose, to: string, name: string, code: string, ttlMinutes: number): OutgoingMail {
  const { subject, lead } = PURPOSE_TEXT[purpose];
  return {
    to,
    subject,
    text: [
      greeting(name),
      '',
      lead,
      '',
      `    ${code}`,
      '',
      `The code is valid for ${ttlMinutes} minutes and works once.`,
      'If you did not ask for it, you can ignore this mail; nobody can sign in with the code alone.',
    ].join('\n'),
  };
}

/** Sent instead of a code when someone signs up with an address that already has an account. */
export function alreadyRegisteredMail(to: string, name: string): OutgoingMail {
  return {
    to,
    subject: 'Someone tried to sign up to GeoVault with your address',
    text: [
      greeting(name),
      '',
      'Someone (perhaps you) just tried to create a GeoVault account with this email address,',
      'which already has an account. Nothing has changed.',
      '',
      'If it was you, sign in instead, or reset your password if you have forgotten it.',
    ].join('\n'),
  };
}

export function passwordChangedMail(to: string, name: string, info: ClientInfo): OutgoingMail {
  return {
    to,
    subject: 'Your GeoVault password was changed',
    text: [
      greeting(name),
      '',
      'The password of your GeoVault account was changed from a signed-in session:',
      '',
      ...whereFrom(info),
      '',
      'Every other session has been signed out.',
      ...IF_NOT_YOU,
    ].join('\n'),
  };
}

export function passwordResetMail(to: string, name: string, info: ClientInfo): OutgoingMail {
  return {
    to,
    subject: 'Your GeoVault password was reset',
    text: [
      greeting(name),
      '',
      'The password of your GeoVault account was reset with a code mailed to this address:',
      '',
      ...whereFrom(info),
      '',
      'Every session has been signed out.',
      ...IF_NOT_YOU,
    ].join('\n'),
  };
}

export function newDeviceMail(to: string, name: string, info: ClientInfo): OutgoingMail {
  return {
    to,
    subject: 'New sign in to your GeoVault account',
    text: [
      greeting(name),
      '',
      'Your GeoVault account was just signed in to from a device it had not been used on before:',
      '',
      ...whereFrom(info),
      '',
      'If this was you, there is nothing to do.',
      ...IF_NOT_YOU,
    ].join('\n'),
  };
}

/** Sent once, when wrong codes lock an account's codes (DESIGN §9). */
export function codesLockedMail(to: string, name: string, purpose: ChallengePurpose, lockedUntil: number): OutgoingMail {
  // A login code is only mailed after the right password: whoever guessed it knows the password.
  const who =
    purpose === 'login'
      ? [
          'They were entered after signing in with your password, so someone may know it:',
          'change your password as soon as you can sign in.',
        ]
      : ['Your password has not been changed, and nobody has signed in with these codes.'];
  return {
    to,
    subject: 'Many wrong codes were entered for your GeoVault account',
    text: [
      greeting(name),
      '',
      'Someone entered many wrong codes for your GeoVault account, so to protect it no code',
      `works for it until ${formatTime(lockedUntil)}: no sign-in, verification or password reset.`,
      '',
      ...who,
      '',
      'If it was you, wait until then and ask for a new code.',
    ].join('\n'),
  };
}
