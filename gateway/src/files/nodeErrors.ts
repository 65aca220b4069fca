import { AppError, type GatewayErrorCode } from '../errors';
import { NodeCallError } from '../mesh/nodeClient';

/** The node codes a client may see as they are; anything else a node says is our own fault (500). */
const NODE_TO_GATEWAY: Readonly<Record<string, GatewayErrorCode>> = {
  invalid_request: 'invalid_request',
  not_found: 'not_found',
  conflict: 'conflict',
  name_taken: 'name_taken',
  invalid_move: 'invalid_move',
  quota_exceeded: 'quota_exceeded',
  payload_too_large: 'payload_too_large',
  range_not_satisfiable: 'range_not_satisfiable',
  replication_failed: 'replication_failed',
  unavailable: 'unavailable',
  insufficient_storage: 'insufficient_storage',
  offset_mismatch: 'offset_mismatch',
  upload_busy: 'upload_busy',
  checksum_mismatch: 'checksum_mismatch',
  integrity_mismatch: 'integrity_mismatch',
};

/** A node's refusal as the gateway's own error (same code and message); anything else unchanged. */
export function fromNodeError(error: unknown): unknown {
  if (!(error instanceof NodeCallError)) return error;
  if (error.unreachable) return new AppError('unavailable', 'No storage node could be reached.');
  return new AppError(NODE_TO_GATEWAY[error.code] ?? 'internal', error.message);
}
