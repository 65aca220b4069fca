import express from 'express';
import { z } from 'zod';
import { EXACT_CONTENT_QUERY } from '../../../node/src/api/files';
import type { ItemResponse, VersionListResponse } from '../api/files';
import { parseInput } from '../http/parseInput';
import { perUserRateLimit } from '../http/perUserRateLimit';
import { NodeCallError } from '../mesh/nodeClient';
import { downloadPresentation } from '../previews/inlineTypes';
import { blobFileName, relayBlobStream } from './fileDownload';
import { toClientItem } from './itemViews';
import { NodeRouting } from './nodeRouting';
import { TreeClient } from './treeClient';
import { DEFAULT_TREE_WRITE_LIMIT, type TreeRouterDeps } from './treeRoutes';

const idsSchema = z.object({ id: z.uuid({ error: 'a file id (UUID)' }), versionId: z.uuid({ error: 'a version id (UUID)' }) });
const fileIdSchema = idsSchema.pick({ id: true });
const downloadQuerySchema = z.object({ inline: z.enum(['0', '1']).optional().transform((v) => v === '1') });

/**
 * A file's versions (DESIGN §5, §8): uploading under a taken name keeps the older content as a
 * version; list, download, restore (the content becomes a new current version) and delete.
 * Each version is a content of its own in the mesh, replicated and repaired like any file.
 */
export function createVersionRouter(deps: TreeRouterDeps): express.Router {
  const routing = new NodeRouting(deps.mesh, deps.nodes);
  const tree = new TreeClient(deps.client);
  const router = express.Router();
  const writeLimit = perUserRateLimit(deps.writeLimit ?? DEFAULT_TREE_WRITE_LIMIT, deps.logger);

  router.get('/api/files/:id/versions', deps.requireUser, async (req, res) => {
    const user = req.user!;
    const { id } = parseInput(fileIdSchema, req.params, 'path');
    const { versions } = await routing.onFirstNode(user.region, (node) => tree.versions(node, user.id, id));
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      versions: versions.map((v) => ({ versionId: v.versionId, size: v.size, sha256: v.sha256, mime: v.mime, createdAt: v.createdAt, current: v.current })),
    } satisfies VersionListResponse);
  });

  router.get('/api/files/:id/versions/:versionId', deps.requireUser, async (req, res) => {
    const user = req.user!;
    const { id, versionId } = parseInput(idsSchema, req.params, 'path');
    const { inline } = parseInput(downloadQuerySchema, req.query, 'query');
    const range = req.header('range');
    // Only a content of that file, of that user: the node's list says which are.
    const stream = await routing.onFirstNode(user.region, async (node) => {
      const { versions } = await tree.versions(node, user.id, id);
      // A node that lacks it may only lag: a 404 of the node's kind lets the next one answer.
      if (!versions.some((version) => version.versionId === versionId)) throw new NodeCallError(node, 404, 'not_found', 'No such version.');
      return deps.client.openBlobStream(node, `/v1/files/${user.id}/${versionId}?${EXACT_CONTENT_QUERY}`, range ? { range } : {});
    }, 'No such version.');
    const shown = downloadPresentation(stream.headers['content-type'], blobFileName(stream, versionId), inline);
    const sent = await relayBlobStream(res, stream, shown);
    if (!sent.complete) deps.logger.warn({ fileId: id, versionId, err: sent.error }, 'version download interrupted');
  });

  router.post('/api/files/:id/versions/:versionId/restore', deps.requireUser, writeLimit, async (req, res) => {
    const user = req.user!;
    const { id, versionId } = parseInput(idsSchema, req.params, 'path');
    const { item } = await routing.onWriteNode(user.region, (node) => tree.restoreVersion(node, user.id, id, versionId));
    deps.logger.info({ userId: user.id, fileId: id, versionId }, 'version restored');
    res.json({ item: toClientItem(item) } satisfies ItemResponse);
  });

  router.delete('/api/files/:id/versions/:versionId', deps.requireUser, writeLimit, async (req, res) => {
    const user = req.user!;
    const { id, versionId } = parseInput(idsSchema, req.params, 'path');
    await routing.onWriteNode(user.region, (node) => tree.deleteVersion(node, user.id, id, versionId));
    deps.logger.info({ userId: user.id, fileId: id, versionId }, 'version deleted');
    res.status(204).end();
  });

  return router;
}
