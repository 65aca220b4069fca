/**
 * Previews and thumbnails (issue 13). Share pages reuse the ThumbnailService made here: call
 * `thumbnail(owner, item, size)` after the share's own checks, and answer with sendThumbnail.
 */
import type { Logger } from 'pino';
import type { NodeSpec } from '../../../node/src/config/clusterConfig';
import type { MeshMonitor } from '../mesh/meshMonitor';
import type { NodeClient } from '../mesh/nodeClient';
import { GenerationQueue } from './generationQueue';
import { createMeshThumbnailSource } from './meshThumbnailSource';
import { configureSharp } from '../images/loadSharp';
import type { ThumbnailConfig } from './thumbnailConfig';
import { ThumbnailService } from './thumbnailService';
import { ThumbnailStore } from './thumbnailStore';

export { createPreviewsRouter } from './createPreviewsRouter';
export { downloadPresentation, inlineContentType } from './inlineTypes';
export { matchesEtag, sendThumbnail, thumbnailCacheControl } from './thumbnailAnswer';
export { readThumbnailConfig, type ThumbnailConfig } from './thumbnailConfig';
export { THUMBNAIL_SIZES, type ThumbnailSize } from './renderThumbnail';
export { ThumbnailService, type Thumbnail, type ThumbnailItem, type ThumbnailOwner } from './thumbnailService';

export interface MeshThumbnailDeps {
  client: NodeClient;
  mesh: MeshMonitor;
  nodes: ReadonlyMap<string, NodeSpec>;
  logger: Logger;
}

/** The gateway's thumbnail service: files read from the mesh, the cache on this gateway's disk. */
export async function openThumbnailService(config: ThumbnailConfig, deps: MeshThumbnailDeps): Promise<ThumbnailService> {
  configureSharp(1);
  const store = await ThumbnailStore.open(config.dir, config.cacheBytes, deps.logger);
  return new ThumbnailService({
    store,
    queue: new GenerationQueue(config.concurrency, config.perUser, config.maxWaiting),
    source: createMeshThumbnailSource(deps),
    maxSourceBytes: config.maxSourceBytes,
    maxPixels: config.maxPixels,
    logger: deps.logger,
  });
}
