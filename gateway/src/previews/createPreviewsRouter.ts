import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import type { NodeSpec } from '../../../node/src/config/clusterConfig';
import { AppError } from '../errors';
import { NodeRouting } from '../files/nodeRouting';
import { TreeClient } from '../files/treeClient';
import { parseInput } from '../http/parseInput';
import type { MeshMonitor } from '../mesh/meshMonitor';
import type { NodeClient } from '../mesh/nodeClient';
import { matchesEtag, sendThumbnail, thumbnailCacheControl } from './thumbnailAnswer';
import { THUMBNAIL_SIZES, type ThumbnailSize } from './renderThumbnail';
import { ThumbnailService, type ThumbnailItem } from './thumbnailService';

export interface PreviewsRouterDeps {
  client: NodeClient;
  mesh: MeshMonitor;
  nodes: ReadonlyMap<string, NodeSpec>;
  requireUser: RequestHandler;
  thumbnails: ThumbnailService;
}

const fileIdSchema = z.uuid({ error: 'a file id (UUID)' });
const thumbnailQuerySchema = z.object({
  size: z.enum(Object.keys(THUMBNAIL_SIZES) as [ThumbnailSize, ...ThumbnailSize[]]).default('small'),
  /** The content hash the dashboard saw in the listing: names the version, so the answer can be kept for good. */
  v: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex').optional(),
});

/**
 * GET /api/files/:id/thumbnail?size=small|large (128 or 512 px box, WebP). The session and the
 * ownership are checked first, by reading the item from the signed-in user's own tree (another
 * user's id is not found: 404), and only then is anything read, compared or decoded.
 */
export function createPreviewsRouter(deps: PreviewsRouterDeps): express.Router {
  const router = express.Router();
  const routing = new NodeRouting(deps.mesh, deps.nodes);
  const tree = new TreeClient(deps.client);

  router.get('/api/files/:id/thumbnail', deps.requireUser, async (req, res) => {
    const user = req.user!;
    const fileId = parseInput(fileIdSchema, req.params.id, 'id');
    const { size, v } = parseInput(thumbnailQuerySchema, req.query, 'query');
    const { item } = await routing.onFirstNode(user.region, (node) => tree.item(node, user.id, fileId), 'No such file.');
    if (item.kind !== 'file') throw new AppError('preview_unavailable', 'A folder has no thumbnail.');
    const file: ThumbnailItem = { id: item.id, sha256: item.sha256 ?? '', mime: item.mime ?? '', size: item.size };
    deps.thumbnails.check(file);
    const etag = ThumbnailService.etag(file, size);
    if (matchesEtag(req.header('if-none-match'), etag)) {
      res.status(304).set({ ETag: etag, 'Cache-Control': thumbnailCacheControl(v === file.sha256) }).end();
      return;
    }
    const thumbnail = await deps.thumbnails.thumbnail({ id: user.id, region: user.region }, file, size);
    sendThumbnail(res, thumbnail, v === file.sha256);
  });

  return router;
}
