/**
 * Every error the gateway answers with: a stable code, its HTTP status and a default message.
 * Clients (the dashboard) switch on `code`; messages are for people. Only append codes.
 */
export const GATEWAY_ERRORS = {
  // generic
  invalid_request: { status: 400, message: 'The request is not valid.' },
  unauthenticated: { status: 401, message: 'Please sign in.' },
  csrf_failed: { status: 403, message: 'The request is missing a valid CSRF token.' },
  forbidden: { status: 403, message: 'You may not do that.' },
  not_found: { status: 404, message: 'Not found.' },
  conflict: { status: 409, message: 'That conflicts with the current state.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'That content type is not accepted here.' },
  rate_limited: { status: 429, message: 'Too many requests; try again later.' },
  internal: { status: 500, message: 'Something went wrong.' },
  unavailable: { status: 503, message: 'The service is unavailable right now; try again shortly.' },
  // accounts
  weak_password: { status: 400, message: 'Choose a password that is harder to guess, of 8 to 128 characters.' },
  invalid_credentials: { status: 401, message: 'The email or password is not right.' },
  invalid_code: { status: 400, message: 'The code is wrong or has expired.' },
  code_attempts_exceeded: { status: 400, message: 'Too many wrong codes; request a new one.' },
  email_not_verified: { status: 403, message: 'Verify your email address first.' },
  session_expired: { status: 401, message: 'Your session has expired; please sign in again.' },
  codes_locked: { status: 429, message: 'Too many wrong codes were entered for this account; try again in an hour.' },
  wrong_current_password: { status: 403, message: 'Your current password is not right.' },
  password_unchanged: { status: 400, message: 'The new password is the same as the current one; choose a different one.' },
  invalid_name: { status: 400, message: 'Choose a name without line breaks, control characters or web addresses.' },
  // files
  quota_exceeded: { status: 413, message: 'This upload would exceed your storage quota.' },
  too_many_uploads: { status: 429, message: 'You have too many uploads in progress; wait for one to finish.' },
  range_not_satisfiable: { status: 416, message: 'The requested range is not satisfiable.' },
  replication_failed: { status: 503, message: 'Not enough storage nodes could store the file; try again.' },
  insufficient_storage: { status: 507, message: 'The storage node is out of disk space right now; nothing was stored.' },
  // skillshare
  slot_unavailable: { status: 409, message: 'That slot is no longer available.' },
  booking_overlap: { status: 409, message: 'You already have a session at that time.' },
  cancellation_closed: { status: 409, message: 'Sessions can be cancelled free of charge only until 4 hours before the start.' },
  review_not_allowed: { status: 409, message: 'Only a completed session can be reviewed, once.' },
  too_many_courses: { status: 409, message: 'You already offer as many courses as a teacher can.' },
  reserved_name: { status: 400, message: 'That name is reserved; choose another.' },
  // the file tree
  name_taken: { status: 409, message: 'An item of that name is already in this folder.' },
  invalid_move: { status: 409, message: 'A folder cannot be moved into itself or one of its own folders.' },
  // previews
  preview_unavailable: { status: 415, message: 'There is no preview of this file.' },
  preview_too_large: { status: 413, message: 'This file is too large for a preview.' },
  // resumable uploads (tus 1.0)
  tus_version: { status: 412, message: 'Send Tus-Resumable: 1.0.0; no other version of the tus protocol is spoken here.' },
  offset_mismatch: { status: 409, message: 'The upload is at another offset; ask for it with HEAD and continue from there.' },
  upload_busy: { status: 423, message: 'Another request is writing to this upload; try again shortly.' },
  checksum_mismatch: { status: 460, message: 'The chunk does not match its Upload-Checksum; it was not kept.' },
  integrity_mismatch: { status: 422, message: 'The file does not match the SHA-256 declared for it; nothing was stored.' },
} as const;

/** The `code` of every `{ error: { code, message } }` answer; clients switch on it. */
export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;
