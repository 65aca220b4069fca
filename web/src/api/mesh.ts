/**
 * The mesh API (GET /api/nodes, POST /api/nodes/:id/faults). Wire types come from the
 * gateway's contract, types only, so that no server code reaches the bundle.
 */
import type { LinkState, LinkView, MeshAccess, MeshEvent, MeshSnapshot, NodeState, NodeView } from '../../../gateway/src/api/mesh';
import { request } from './http';

export type { LinkState, LinkView, MeshAccess, MeshEvent, MeshSnapshot, NodeState, NodeView };

/** Body of POST /api/nodes/:id/faults; fields left out keep their value on the node. */
export interface FaultRequest {
  clear?: true;
  partitionedFrom?: string[];
  lossPercent?: number | null;
  paused?: boolean;
  /** The node heals itself this long after the request (admins only; default 5 min). */
  durationSeconds?: number;
}

export function fetchMesh(): Promise<MeshSnapshot> {
  return request<MeshSnapshot>('GET', '/api/nodes');
}

/** What the signed-in user may do on the mesh page (fault injection is for admins). */
export function fetchMeshAccess(): Promise<MeshAccess> {
  return request<MeshAccess>('GET', '/api/nodes/access');
}

export function injectFault(nodeId: string, body: FaultRequest): Promise<unknown> {
  return request<unknown>('POST', `/api/nodes/${encodeURIComponent(nodeId)}/faults`, body);
}
