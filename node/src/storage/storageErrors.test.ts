import { describe, it, expect } from 'vitest';
import {
  AbortedError,
  asStorageError,
  IntegrityError,
  InvalidIdError,
  NotFoundError,
  QuotaExceededError,
  STORAGE_ERRORS,
  StorageError,
  TooLargeError,
} from './storageErrors';

describe('storage errors', () => {
  it('carry a stable code, its status and their own name', () => {
    const cases: [StorageError, string, number][] = [
      [new InvalidIdError('userId'), 'invalid_id', 400],
      [new NotFoundError('u', 'f'), 'blob_not_found', 404],
      [new TooLargeError(10), 'too_large', 413],
      [new QuotaExceededError('u', 10, 5, 3, 4), 'quota_exceeded', 413],
      [new IntegrityError('size', 3, 4), 'integrity_mismatch', 422],
      [new AbortedError(), 'aborted', 400],
    ];
    for (const [error, code, status] of cases) {
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.status).toBe(status);
      expect(error.name).toBe(error.constructor.name);
    }
  });

  it('never echoes a rejected id back', () => {
    expect(new InvalidIdError('fileId').message).toBe('fileId is not a canonical lower-case UUID.');
  });

  it('keeps every code in the catalogue', () => {
    expect(Object.keys(STORAGE_ERRORS).sort()).toEqual(
      ['aborted', 'blob_not_found', 'integrity_mismatch', 'invalid_argument', 'invalid_id', 'master_key_unknown', 'quota_exceeded', 'range_not_satisfiable', 'too_large'],
    );
  });

  it('turns "the client went away" into AbortedError and passes anything else through', () => {
    const ours = new TooLargeError(1);
    expect(asStorageError(ours, undefined)).toBe(ours);
    const aborted = new AbortController();
    aborted.abort();
    expect(asStorageError(new Error('whatever'), aborted.signal)).toBeInstanceOf(AbortedError);
    const premature = Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    expect(asStorageError(premature, undefined)).toBeInstanceOf(AbortedError);
    const diskFull = Object.assign(new Error('no space'), { code: 'ENOSPC' });
    expect(asStorageError(diskFull, new AbortController().signal)).toBe(diskFull);
  });
});
