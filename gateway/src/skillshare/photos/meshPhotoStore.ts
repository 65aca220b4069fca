/**
 * Teacher photos as GeoVault files. They belong to one dedicated owner id rather than to the
 * teacher's own account: a photo in the teacher's file tree could be renamed, moved or
 * deleted from the file manager (breaking the profile without a word) and would count
 * against their quota; under its own owner it is replicated like any file but only this code
 * writes or deletes it. Each upload is a new file id, so a cached thumbnail never goes stale.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { NodeSpec } from '../../../../node/src/config/clusterConfig';
import { AppError } from '../../errors';
import { NodeRouting } from '../../files/nodeRouting';
import type { MeshMonitor } from '../../mesh/meshMonitor';
import { readJson } from '../../mesh/nodeClient';
import type { NodeClient } from '../../mesh/nodeClient';
import type { TeacherPhoto } from '../types';
import type { PhotoStore } from './photoStore';

/** The owner of every teacher photo in the mesh (a fixed UUID: the nodes key files by user). */
export const PHOTO_OWNER = '5c1e95a4-7b0d-4c1e-9f3a-3d2b7e6a0f11';
/** A thumbnail is a few tens of kB; anything bigger from a node is not one of ours. */
const MAX_PHOTO_BYTES = 1024 * 1024;

export interface MeshPhotoDeps {
  client: NodeClient;
  mesh: MeshMonitor;
  nodes: ReadonlyMap<string, NodeSpec>;
  logger: Logger;
}

export function createMeshPhotoStore({ client, mesh, nodes, logger }: MeshPhotoDeps): PhotoStore {
  const routing = new NodeRouting(mesh, nodes);
  const log = logger.child({ component: 'skillshare-photos' });
  const path = (fileId: string) => `/v1/files/${PHOTO_OWNER}/${fileId}`;

  return {
    async save(bytes, mime, region) {
      const fileId = randomUUID();
      const target = routing.writeTarget(region);
      const res = await client.request(target, 'PUT', path(fileId), {
        headers: { 'content-type': mime, 'content-length': bytes.length, 'x-geovault-file-name': encodeURIComponent(`${fileId}.webp`) },
        body: bytes,
      });
      await readJson(target, res);
      log.info({ fileId, node: target, size: bytes.length }, 'teacher photo stored');
      return { fileId, region };
    },

    read(photo) {
      return routing.onFirstNode(
        photo.region,
        async (node) => {
          const { status, body } = await client.openBlobStream(node, path(photo.fileId));
          const chunks: Buffer[] = [];
          let size = 0;
          for await (const chunk of body) {
            size += (chunk as Buffer).length;
            if (size > MAX_PHOTO_BYTES) {
              body.destroy();
              throw new AppError('internal', 'A stored photo is larger than any thumbnail.');
            }
            chunks.push(chunk as Buffer);
          }
          if (status !== 200) throw new AppError('not_found', 'No such photo.');
          return Buffer.concat(chunks);
        },
        'No such photo.',
      );
    },

    async remove(photo) {
      try {
        await routing.onWriteNode(photo.region, (node) => client.json(node, 'DELETE', path(photo.fileId)));
      } catch (err) {
        log.warn({ err, fileId: photo.fileId }, 'an old teacher photo could not be deleted');
      }
    },
  };
}
