import type { NodeErrorCode } from '../http/errors';

/** Why an upload failed, in the terms of the node API's error catalogue. */
export type UploadErrorCode = 'conflict' | 'quota_exceeded' | 'replication_failed' | 'aborted';

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
  quota_exceeded: 'quota_exceeded',
  replication_failed: 'replication_failed',
  aborted: 'invalid_request',
};
