import type { NodeErrorCode } from '../http/errors';

/** Why an upload failed, in the terms of the node API's error catalogue. */
export type UploadErrorCode = 'conflict' | 'name_taken' | 'not_found' | 'quota_exceeded' | 'replication_failed' | 'aborted';

export class UploadError extends Error {
  constructor(
    readonly code: UploadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const UPLOAD_ERROR_TO_NODE_ERROR: Record<UploadErrorCode, NodeErrorCode> = {
  conflict: 'conflict',
  name_taken: 'name_taken',
  not_found: 'not_found',
  quota_exceeded: 'quota_exceeded',
  replication_failed: 'replication_failed',
  aborted: 'invalid_request',
};
