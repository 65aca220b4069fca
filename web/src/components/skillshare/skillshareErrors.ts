/** SkillShare's words for the gateway's error codes, on top of the dashboard's shared ones. */
import { errorMessage } from '../../api/errorMessages';
import { ApiError } from '../../api/http';

export function bookingErrorText(error: unknown): string {
  if (!(error instanceof ApiError)) return errorMessage(error);
  switch (error.code) {
    case 'slot_unavailable':
      return 'Someone has just taken that slot (or it is no longer open). The slots below have been refreshed: please pick another time.';
    case 'booking_overlap':
      return 'You already have a session at that time. Pick another time, or cancel the other session first.';
    case 'unauthenticated':
    case 'session_expired':
      return 'Please sign in to book a session.';
    case 'conflict':
      return 'That booking request was already used for another slot. Pick the slot again.';
    case 'network':
      return 'The gateway did not answer. Your booking may or may not have gone through: press Confirm booking again to find out (it will not book twice).';
    default:
      return errorMessage(error);
  }
}

export function cancelErrorText(error: unknown): string {
  if (error instanceof ApiError && error.code === 'cancellation_closed') {
    return 'This session starts in less than 4 hours: it can no longer be cancelled free of charge.';
  }
  return errorMessage(error);
}

export function reviewErrorText(error: unknown): string {
  if (error instanceof ApiError && error.code === 'review_not_allowed') return 'Only a completed session can be reviewed, and only once.';
  return errorMessage(error);
}

export function isSignedOut(error: unknown): boolean {
  return error instanceof ApiError && (error.code === 'unauthenticated' || error.code === 'session_expired');
}
