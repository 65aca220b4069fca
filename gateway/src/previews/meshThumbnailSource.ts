import type { NodeSpec } from '../../../node/src/config/clusterConfig';
import { AppError } from '../errors';
import { NodeRouting } from '../files/nodeRouting';
import type { MeshMonitor } from '../mesh/meshMonitor';
import type { NodeClient } from '../mesh/nodeClient';
import type { ThumbnailOwner, ThumbnailSource } from './thumbnailService';

export interface MeshThumbnailSourceDeps {
  client: NodeClient;
  mesh: MeshMonitor;
  nodes: ReadonlyMap<string, NodeSpec>;
}

/**
 * Reads a file whole from the nearest node that has it, as downloads do (home region first,
 * failing over), for decoding. The size is checked on the node's header before any byte is
 * read, and again as bytes arrive.
 */
export function createMeshThumbnailSource({ client, mesh, nodes }: MeshThumbnailSourceDeps): ThumbnailSource {
  const routing = new NodeRouting(mesh, nodes);
  return {
    read(owner: ThumbnailOwner, fileId: string, maxBytes: number): Promise<Buffer> {
      return routing.onFirstNode(owner.region, async (node) => {
        const stream = await client.openBlobStream(node, `/v1/files/${owner.id}/${fileId}`);
        const tooLarge = () => new AppError('preview_too_large', `The image is larger than ${Math.round(maxBytes / 1024 / 1024)} MB: no thumbnail is made of it.`);
        if (stream.status !== 200) {
          stream.body.destroy();
          throw new AppError('not_found', 'No such file.');
        }
        const expected = Number(stream.headers['content-length']);
        if (expected > maxBytes) {
          stream.body.destroy();
          throw tooLarge();
        }
        const chunks: Buffer[] = [];
        let read = 0;
        for await (const chunk of stream.body) {
          read += (chunk as Buffer).length;
          if (read > maxBytes) {
            stream.body.destroy();
            throw tooLarge();
          }
          chunks.push(chunk as Buffer);
          // The stream is a raw socket: the announced length is the end of the file.
          if (read >= expected) break;
        }
        if (Number.isFinite(expected) && read !== expected) throw new AppError('unavailable', 'The file could not be read whole; try again.');
        return Buffer.concat(chunks);
      });
    },
  };
}
