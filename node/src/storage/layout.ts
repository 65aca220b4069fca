import path from 'node:path';
import { validate as uuidValidate } from 'uuid';
import { InvalidIdError } from './storageErrors';

/**
 * The on-disk layout of one node, and the only place that turns ids into paths:
 *
 *   <nodeDir>/<userId>/files/<fileId>.bin   one blob per file (the user's quota directory)
 *   <nodeDir>/<userId>/uploads/<id>.part    a resumable upload in progress: the encrypted
 *                                           blob it becomes, so far (uploads/resumableStore.ts)
 *   <nodeDir>/_system/tmp/                  uploads in flight, same filesystem so rename is atomic
 *
 * `_system` can never collide with a user's directory because it is not a UUID.
 */
export const SYSTEM_DIR_NAME = '_system';
export const FILES_DIR_NAME = 'files';
export const BLOB_SUFFIX = '.bin';
export const TEMP_SUFFIX = '.tmp';
export const UPLOADS_DIR_NAME = 'uploads';
export const PARTIAL_SUFFIX = '.part';

/** A canonical lower-case UUID (any version, nil and max included). Anything else is rejected. */
export function isUuid(value: unknown): value is string {
  // `validate` is case-insensitive; one id must map to exactly one path, so only lower-case.
  return typeof value === 'string' && uuidValidate(value) && value === value.toLowerCase();
}

/** Returns the id unchanged, or throws before it can get anywhere near a path. */
export function assertUuid(value: unknown, field: string): string {
  if (!isUuid(value)) throw new InvalidIdError(field);
  return value;
}

export function userDir(nodeDir: string, userId: string): string {
  return path.join(nodeDir, assertUuid(userId, 'userId'));
}

export function filesDir(nodeDir: string, userId: string): string {
  return path.join(userDir(nodeDir, userId), FILES_DIR_NAME);
}

export function blobPath(nodeDir: string, userId: string, fileId: string): string {
  return path.join(filesDir(nodeDir, userId), `${assertUuid(fileId, 'fileId')}${BLOB_SUFFIX}`);
}

export function uploadsDir(nodeDir: string, userId: string): string {
  return path.join(userDir(nodeDir, userId), UPLOADS_DIR_NAME);
}

/** A resumable upload's partial: its id is also the finished file's, so it is renamed to blobPath. */
export function partialPath(nodeDir: string, userId: string, uploadId: string): string {
  return path.join(uploadsDir(nodeDir, userId), `${assertUuid(uploadId, 'uploadId')}${PARTIAL_SUFFIX}`);
}

export function systemDir(nodeDir: string): string {
  return path.join(nodeDir, SYSTEM_DIR_NAME);
}

export function tempDir(nodeDir: string): string {
  return path.join(systemDir(nodeDir), 'tmp');
}

/** The file id of a blob's file name, or undefined for anything that is not `<uuid>.bin`. */
export function parseBlobName(name: string): string | undefined {
  if (!name.endsWith(BLOB_SUFFIX)) return undefined;
  const id = name.slice(0, -BLOB_SUFFIX.length);
  return isUuid(id) ? id : undefined;
}
