/**
 * Every error the disk layer throws: a stable `code` from one catalogue and the HTTP status it
 * maps to, so the HTTP layer can translate without string matching. Codes are part of the
 * API: never rename one, only append.
 */
export const STORAGE_ERRORS = {
  invalid_id: { status: 400, message: 'Not a valid id.' },
  invalid_argument: { status: 400, message: 'Invalid argument.' },
  blob_not_found: { status: 404, message: 'No such blob on this node.' },
  range_not_satisfiable: { status: 416, message: 'The requested range is not satisfiable.' },
  too_large: { status: 413, message: 'The upload is larger than allowed.' },
  quota_exceeded: { status: 413, message: 'The storage quota would be exceeded.' },
  integrity_mismatch: { status: 422, message: 'The data does not match its expected size or hash.' },
  // Nobody is left to answer when a client goes away; 400 only matters for peers that abort.
  aborted: { status: 400, message: 'The upload was aborted.' },
  // A blob wrapped under a master key this node is not given (README: Encryption at rest).
  master_key_unknown: { status: 500, message: 'The blob needs a master key this node does not have.' },
} as const;
export type StorageErrorCode = keyof typeof STORAGE_ERRORS;

export class StorageError extends Error {
  readonly status: number;
  constructor(
    readonly code: StorageErrorCode,
    message: string = STORAGE_ERRORS[code].message,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.status = STORAGE_ERRORS[code].status;
  }
}

export class InvalidIdError extends StorageError {
  constructor(readonly field: string) {
    // The offending value is deliberately left out: it came from a user and may be hostile.
    super('invalid_id', `${field} is not a canonical lower-case UUID.`);
  }
}

export class InvalidArgumentError extends StorageError {
  constructor(message: string) {
    super('invalid_argument', message);
  }
}

export class NotFoundError extends StorageError {
  constructor(
    readonly userId: string,
    readonly fileId: string,
  ) {
    super('blob_not_found', `No blob ${fileId} for user ${userId}.`);
  }
}

export class RangeNotSatisfiableError extends StorageError {
  constructor(
    readonly start: number,
    readonly end: number,
    readonly size: number,
  ) {
    super('range_not_satisfiable', `Range ${start}-${end} is outside a blob of ${size} bytes.`);
  }
}

export class TooLargeError extends StorageError {
  constructor(readonly maxBytes: number) {
    super('too_large', `The upload is larger than ${maxBytes} bytes.`);
  }
}

export class QuotaExceededError extends StorageError {
  constructor(
    readonly userId: string,
    readonly limit: number,
    readonly used: number,
    readonly reserved: number,
    readonly requested: number,
  ) {
    super('quota_exceeded', `Quota of ${limit} bytes exceeded: ${used} used, ${reserved} reserved, ${requested} requested.`);
  }
}

export class IntegrityError extends StorageError {
  constructor(
    /** `segment`: an encrypted blob's header or a segment failed its authentication. */
    readonly what: 'size' | 'sha256' | 'segment',
    readonly expected: string | number,
    readonly actual: string | number,
  ) {
    super('integrity_mismatch', `Expected ${what} ${expected}, got ${actual}.`);
  }
}

export class MasterKeyUnknownError extends StorageError {
  constructor(readonly keyId: string) {
    super('master_key_unknown', `The blob's data key is wrapped with master key ${keyId}, which this node does not have.`);
  }
}

export class AbortedError extends StorageError {
  constructor(cause?: unknown) {
    super('aborted', undefined, { cause });
  }
}

/** Anything that means "the client went away" becomes AbortedError; our own errors pass. */
export function asStorageError(error: unknown, signal: AbortSignal | undefined): unknown {
  if (error instanceof StorageError) return error;
  if (signal?.aborted) return new AbortedError(signal.reason);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if ((error as Error | undefined)?.name === 'AbortError' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new AbortedError(error);
  }
  return error;
}
