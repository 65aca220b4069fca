import type { OutgoingMail } from '../mail/mailer';
import type { ChallengePurpose } from '../store/accountsSchema';

const PURPOSE_TEXT: Record<ChallengePurpose, { subject: string; lead: string }> = {
  signup: { subject: 'Your GeoVault verification code', lead: 'Welcome to GeoVault. To verify your email address, enter this code:' },
  login: { subject: 'Your GeoVault sign-in code', lead: 'To finish signing in to GeoVault, enter this code:' },
  reset: { subject: 'Your GeoVault password reset code', lead: 'To choose a new GeoVault password, enter this code:' },
};

export function codeMail(purpose: ChallengePurpose, to: string, name: string, code: string, ttlMinutes: number): OutgoingMail {
  const { subject, lead } = PURPOSE_TEXT[purpose];
  return {
    to,
    subject,
    text: [
      `Hello ${name},`,
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
      `Hello ${name},`,
      '',
      'Someone (perhaps you) just tried to create a GeoVault account with this email address,',
      'which already has an account. Nothing has changed.',
      '',
      'If it was you, sign in instead, or reset your password if you have forgotten it.',
    ].join('\n'),
  };
}
