import type { Server as IoServer } from 'socket.io';
import type { MeshMonitor } from './meshMonitor';

export const MESH_NAMESPACE = '/mesh';

/**
 * socket.io namespace /mesh: a snapshot on connect, then every mesh event as the monitor sees
 * it (a fresh snapshot after each change, gossip and replication activity for animation).
 * Read-only and public, like GET /api/nodes.
 */
export function attachMeshSocket(io: IoServer, mesh: MeshMonitor): () => void {
  const namespace = io.of(MESH_NAMESPACE);
  namespace.on('connection', (socket) => {
    socket.emit('mesh', { type: 'snapshot', snapshot: mesh.snapshot() });
  });
  return mesh.onEvent((event) => namespace.emit('mesh', event));
}
