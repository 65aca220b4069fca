/** What to say when a fault request fails, by the gateway's error code. */
import { ApiError } from '../../api/http';

export function faultErrorText(error: unknown): string {
  if (!(error instanceof ApiError)) return 'The fault could not be sent. Try again.';
  switch (error.code) {
    case 'unauthenticated':
    case 'session_expired':
      return 'Your session has ended: sign in again to inject faults.';
    case 'csrf_failed':
      return 'The page is out of date with your session: reload it and try again.';
    case 'unavailable':
      return `${error.message} A node that is down cannot take new faults; wait for it to come back, or heal another region.`;
    case 'forbidden':
      return 'Fault injection is for administrators (GEOVAULT_ADMIN_EMAILS).';
    case 'rate_limited':
      return 'Too many requests; wait a moment and try again.';
    case 'network':
      return error.message;
    default:
      return `The fault was refused: ${error.message}`;
  }
}
