import crypto from 'node:crypto';
import type { NodeId } from '../gossip/frames';

/**
 * Rendezvous (highest random weight) hashing: every node scores every file, the top
 * `replicas` live nodes hold it. Adding a node moves only the files it now wins, and every
 * node computes the same set without coordination.
 */
export function placeReplicas(fileId: string, candidates: readonly NodeId[], replicas: number): NodeId[] {
  return [...candidates]
    .map((node) => ({ node, score: score(node, fileId) }))
    .sort((a, b) => (a.score === b.score ? (a.node < b.node ? -1 : 1) : a.score > b.score ? -1 : 1))
    .slice(0, replicas)
    .map(({ node }) => node);
}

function score(node: NodeId, fileId: string): bigint {
  return crypto.createHash('sha256').update(`${node}\0${fileId}`).digest().readBigUInt64BE(0);
}
