import type { NodeId } from '../gossip/frames';

/**
 * Where file facts live in the replicated index. The user id is part of every key so that
 * one user's files are one prefix scan, and a replica key says which blob path it is about.
 */
export const FILE_PREFIX = 'file/';
export const REPLICA_PREFIX = 'replica/';
/** Bytes of inline (small) files; deliberately not a `file` or `replica` key for parseKey. */
export const DATA_PREFIX = 'data/';
/** Move operations of each user's tree (DESIGN §5): `tree/<userId>/<opId>`, written once. */
export const TREE_PREFIX = 'tree/';

export const fileKey = (userId: string, fileId: string) => `${FILE_PREFIX}${userId}/${fileId}`;
export const userFilesPrefix = (userId: string) => `${FILE_PREFIX}${userId}/`;
export const replicaKey = (node: NodeId, userId: string, fileId: string) => `${REPLICA_PREFIX}${node}/${userId}/${fileId}`;
export const nodeReplicasPrefix = (node: NodeId) => `${REPLICA_PREFIX}${node}/`;
export const dataKey = (userId: string, fileId: string) => `${DATA_PREFIX}${userId}/${fileId}`;
export const treeOpKey = (userId: string, opId: string) => `${TREE_PREFIX}${userId}/${opId}`;

export type ParsedKey =
  | { kind: 'file'; userId: string; fileId: string }
  | { kind: 'replica'; node: NodeId; userId: string; fileId: string }
  | { kind: 'tree'; userId: string; opId: string }
  | { kind: 'other' };

export function parseKey(key: string): ParsedKey {
  const parts = key.split('/');
  if (parts[0] === 'file' && parts.length === 3) return { kind: 'file', userId: parts[1]!, fileId: parts[2]! };
  if (parts[0] === 'replica' && parts.length === 4) return { kind: 'replica', node: parts[1]!, userId: parts[2]!, fileId: parts[3]! };
  if (parts[0] === 'tree' && parts.length === 3) return { kind: 'tree', userId: parts[1]!, opId: parts[2]! };
  return { kind: 'other' };
}
