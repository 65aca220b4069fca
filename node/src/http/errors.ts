import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { StorageError, type StorageErrorCode } from '../storage/storageErrors';
import { UploadError, UPLOAD_ERROR_TO_NODE_ERROR } from '../replication/uploadError';
import { IndexUnavailableError } from '../index/indexCommitter';

/** Every error a node answers with: a stable code, its HTTP status, a default message. */
export const NODE_ERRORS = {
  invalid_request: { status: 400, message: 'The request is not valid.' },
  unauthenticated: { status: 401, message: 'A valid cluster signature is required.' },
  forbidden: { status: 403, message: 'This caller may not do that.' },
  not_found: { status: 404, message: 'Not found.' },
  conflict: { status: 409, message: 'That conflicts with the current state.' },
  name_taken: { status: 409, message: 'An item with that name is already in the folder.' },
  invalid_move: { status: 409, message: 'A folder cannot be moved into itself or one of its own folders.' },
  offset_mismatch: { status: 409, message: 'The upload is not at that offset.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  quota_exceeded: { status: 413, message: 'This upload would exceed the user\'s storage quota.' },
  range_not_satisfiable: { status: 416, message: 'The requested range is not satisfiable.' },
  integrity_mismatch: { status: 422, message: 'The bytes do not match the expected size or hash.' },
  upload_busy: { status: 423, message: 'Another request is writing this upload now.' },
  checksum_mismatch: { status: 460, message: 'The body does not match its checksum; it was not kept.' },
  internal: { status: 500, message: 'Something went wrong on this node.' },
  replication_failed: { status: 503, message: 'Not enough replicas could be stored.' },
  unavailable: { status: 503, message: 'No node holding a stored replica could be reached.' },
  insufficient_storage: { status: 507, message: 'This node cannot store anything right now (disk full or failing).' },
} as const;
export type NodeErrorCode = keyof typeof NODE_ERRORS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: NodeErrorCode,
    message: string = NODE_ERRORS[code].message,
    /** Headers the error answer carries (Content-Range on a 416). */
    readonly headers: Readonly<Record<string, string>> = {},
    /** More fields of the error body (the current offset of a 409 offset_mismatch). */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.status = NODE_ERRORS[code].status;
  }
}

export function errorBody(code: NodeErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}): { error: { code: NodeErrorCode; message: string } } {
  return { error: { ...details, code, message } };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `No route for ${req.method} ${req.path}.`));
};

const STORAGE_TO_NODE_ERROR: Record<StorageErrorCode, NodeErrorCode> = {
  invalid_id: 'invalid_request',
  invalid_argument: 'invalid_request',
  blob_not_found: 'not_found',
  range_not_satisfiable: 'range_not_satisfiable',
  too_large: 'payload_too_large',
  quota_exceeded: 'quota_exceeded',
  integrity_mismatch: 'integrity_mismatch',
  aborted: 'invalid_request',
  master_key_unknown: 'internal',
};

/** Turns anything thrown into an AppError, or undefined when it is a bug to log. */
export function knownError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof StorageError) return new AppError(STORAGE_TO_NODE_ERROR[error.code], error.message);
  if (error instanceof UploadError) return new AppError(UPLOAD_ERROR_TO_NODE_ERROR[error.code], error.message);
  if (error instanceof IndexUnavailableError) return new AppError('insufficient_storage', error.message);
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') return new AppError('insufficient_storage', 'This node\'s disk is full.');
  const type = (error as { type?: string } | undefined)?.type;
  if (type === 'entity.parse.failed') return new AppError('invalid_request', 'The body is not valid JSON.');
  if (type === 'entity.too.large') return new AppError('payload_too_large');
  return undefined;
}

/** The one place where anything thrown becomes `{ error: { code, message } }`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let appError = knownError(error);
    if (!appError) {
      logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
      appError = new AppError('internal');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(appError.status).set(appError.headers).json(errorBody(appError.code, appError.message, appError.details));
  };
}
