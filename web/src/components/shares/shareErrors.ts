import { ApiError } from '../../api/http';
import { errorMessage } from '../../api/errorMessages';

/** Words for share-link failures; the rest as everywhere else. */
export function shareErrorMessage(caught: unknown): string {
  if (caught instanceof ApiError) {
    if (caught.code === 'not_found') return 'This link does not exist or no longer works. Ask whoever sent it for a new one.';
    if (caught.code === 'invalid_credentials') return 'That password is not right.';
    if (caught.code === 'forbidden') return 'Enter the link’s password first.';
    if (caught.code === 'quota_exceeded') return 'This folder has no room for that file.';
  }
  return errorMessage(caught);
}

/** The owner's side: an item or link that is gone reads differently. */
export function ownerShareErrorMessage(caught: unknown): string {
  if (caught instanceof ApiError && caught.code === 'not_found') return 'That file, folder or link no longer exists. Reload and try again.';
  return errorMessage(caught);
}
