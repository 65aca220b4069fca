import type { GatewayErrorCode } from '../../../gateway/src/api/errorCodes';
import { ApiError } from './http';

/**
 * Friendlier words for the gateway's stable error codes (gateway/src/api/errorCodes.ts). Codes whose
 * server message is already specific and useful (rate_limited and codes_locked carry the wait,
 * invalid_name and reserved_name say what is wrong with the name) are left out on purpose, so
 * the server's message shows.
 */
const FRIENDLY: Readonly<Partial<Record<GatewayErrorCode | 'network', string>>> = {
  network: 'The gateway cannot be reached. Check that GeoVault is running and try again.',
  unauthenticated: 'Please sign in to continue.',
  session_expired: 'Your session has expired. Please sign in again.',
  csrf_failed: 'Your session could not be confirmed. Reload the page and try again.',
  forbidden: 'You are not allowed to do that.',
  payload_too_large: 'That is too large to send.',
  internal: 'Something went wrong on our side. Please try again.',
  unavailable: 'The service is busy or a storage node is down. Please try again in a moment.',
  weak_password: 'That password is too easy to guess. Choose another one of 8 to 128 characters.',
  invalid_credentials: 'The email or password is not right.',
  wrong_current_password: 'Your current password is not right.',
  password_unchanged: 'The new password is the same as your current one. Choose a different one.',
  invalid_code: 'That code is wrong or has expired. Check the latest email or ask for a new code.',
  code_attempts_exceeded: 'Too many wrong codes. Ask for a new code and try again.',
  email_not_verified: 'Verify your email address first: enter the code we sent you.',
  quota_exceeded: 'This file does not fit in your remaining storage.',
  replication_failed: 'Not enough storage nodes could keep the file. Please try again.',
  integrity_mismatch: 'The file arrived different from the one picked (was it changed while it was being sent?). Nothing was stored; please upload it again.',
  checksum_mismatch: 'Part of the file arrived damaged. Please try again.',
  insufficient_storage: 'A storage node is out of disk space right now, so nothing was stored. Please try again later.',
  slot_unavailable: 'That slot has just been taken. Please pick another one.',
  booking_overlap: 'You already have a session at that time.',
  cancellation_closed: 'This session starts in less than 4 hours and can no longer be cancelled.',
};

/** What to tell a person about a failure: the friendly text for its code, else the server's. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    // Validation answers read "field: what was expected" (gateway/src/http/parseInput.ts).
    const invalid = error.code === 'invalid_request' ? /^[\w.]+: (.+)$/.exec(error.message) : null;
    if (invalid) return `Please enter ${invalid[1]}.`;
    // The server may know codes this build does not; those fall back to its message.
    return FRIENDLY[error.code as GatewayErrorCode] ?? error.message;
  }
  return error instanceof Error && error.message ? error.message : 'Something went wrong. Please try again.';
}
