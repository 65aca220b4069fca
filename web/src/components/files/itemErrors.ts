import { errorMessage } from '../../api/errorMessages';
import { ApiError } from '../../api/http';

/** True when the failure is a same-name clash that "keep both" (onConflict=rename) can settle. */
export const isNameTaken = (caught: unknown) => caught instanceof ApiError && caught.code === 'name_taken';

/** The tree's own failures in words that say what to do; anything else as errorMessage says it. */
export function itemErrorMessage(caught: unknown, name?: string): string {
  if (caught instanceof ApiError) {
    if (caught.code === 'name_taken') return name ? `An item named “${name}” already exists in that folder.` : 'An item of that name already exists in that folder.';
    if (caught.code === 'invalid_move') return 'You can’t move a folder into itself or into one of its own folders.';
    if (caught.code === 'not_found') return 'That item or folder no longer exists; it may have been moved or deleted elsewhere.';
  }
  return errorMessage(caught);
}
