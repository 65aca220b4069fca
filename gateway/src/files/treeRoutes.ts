import express, { type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { folderRefSchema, onConflictSchema, treeSearchSchema, type ItemView } from '../../../node/src/api/tree';
import type { NodeSpec } from '../../../node/src/config/clusterConfig';
import { itemNameSchema } from '../../../node/src/tree/itemName';
import type { ItemResponse, SearchResponse } from '../api/files';
import { AppError } from '../errors';
import { parseInput } from '../http/parseInput';
import { perUserRateLimit, type WriteLimit } from '../http/perUserRateLimit';
import type { MeshMonitor } from '../mesh/meshMonitor';
import type { NodeClient } from '../mesh/nodeClient';
import { attachmentDisposition } from './contentDisposition';
import { writeFolderZip } from './folderZip';
import { toClientItem } from './itemViews';
import { fromNodeError } from './nodeErrors';
import { NodeRouting } from './nodeRouting';
import { TreeClient } from './treeClient';

export interface TreeRouterDeps {
  client: NodeClient;
  mesh: MeshMonitor;
  nodes: ReadonlyMap<string, NodeSpec>;
  requireUser: RequestHandler;
  /** Creates, renames, moves, copies and deletes per user; tests may raise it. */
  writeLimit?: WriteLimit;
  logger: Logger;
}

/**
 * Each tree write is a replicated op that every region applies and keeps until compacted: one
 * account must not flood the mesh with them. A dashboard moving a selection of 1,000 items (one
 * call each) stays well inside this.
 */
export const DEFAULT_TREE_WRITE_LIMIT: WriteLimit = { limit: 3000, windowMs: 60_000 };

const itemIdSchema = z.uuid({ error: 'an item id (UUID)' });
const conflictQuerySchema = z.object({ onConflict: onConflictSchema.optional() });
const createFolderBodySchema = z.strictObject({ parentId: folderRefSchema, name: itemNameSchema, onConflict: onConflictSchema.optional() });
const updateBodySchema = z
  .strictObject({ name: itemNameSchema.optional(), parentId: folderRefSchema.optional(), onConflict: onConflictSchema.optional() })
  .refine((body) => body.name !== undefined || body.parentId !== undefined, 'give a name, a parentId or both');
const copyBodySchema = z.strictObject({ parentId: folderRefSchema, name: itemNameSchema.optional(), onConflict: onConflictSchema.optional() });
/** Files stream one after another; a walk page is only the metadata of this many items. */
const ZIP_WALK_PAGE = 200;

/**
 * The tree API (DESIGN §8): folders, rename and move, copy, delete, search and folder zips,
 * over the node's /v1/tree routes. Every node path carries the signed-in user's id, so another
 * user's item id is simply not found (404). GET /api/files/list?folder= lives with the seed's
 * list in createFilesRouter.
 */
export function createTreeRouter(deps: TreeRouterDeps): express.Router {
  const routing = new NodeRouting(deps.mesh, deps.nodes);
  const tree = new TreeClient(deps.client);
  const router = express.Router();
  const writeLimit = perUserRateLimit(deps.writeLimit ?? DEFAULT_TREE_WRITE_LIMIT, deps.logger);
  const itemId = (value: unknown) => parseInput(itemIdSchema, value, 'id');
  // ?onConflict=rename as §8 has it; a body field says the same, and the body wins.
  const onConflict = (query: unknown, fromBody: 'fail' | 'rename' | undefined) => fromBody ?? parseInput(conflictQuerySchema, query, 'query').onConflict;

  router.post('/api/folders', deps.requireUser, writeLimit, async (req, res) => {
    const user = req.user!;
    const body = parseInput(createFolderBodySchema, req.body);
    const request = { parentId: body.parentId, name: body.name, onConflict: onConflict(req.query, body.onConflict) ?? 'fail' };
    const { item } = await routing.onWriteNode(user.region, (node) => tree.createFolder(node, user.id, request));
    deps.logger.info({ userId: user.id, itemId: item.id, parentId: item.parentId }, 'folder created');
    res.status(201).json({ item: toClientItem(item) } satisfies ItemResponse);
  });

  router.patch('/api/items/:id', deps.requireUser, writeLimit, async (req, res) => {
    const user = req.user!;
    const id = itemId(req.params.id);
    const body = parseInput(updateBodySchema, req.body);
    const request = {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.parentId !== undefined ? { parentId: body.parentId } : {}),
      onConflict: onConflict(req.query, body.onConflict) ?? 'fail',
    };
    const { item } = await routing.onWriteNode(user.region, (node) => tree.update(node, user.id, id, request));
    deps.logger.info({ userId: user.id, itemId: id, parentId: item.parentId, renamed: body.name !== undefined }, 'item updated');
    res.json({ item: toClientItem(item) } satisfies ItemResponse);
  });

  router.post('/api/items/:id/copy', deps.requireUser, writeLimit, async (req, res) => {
    const user = req.user!;
    const id = itemId(req.params.id);
    const body = parseInput(copyBodySchema, req.body);
    // A copy next to its original is the common case: it gets "name (1).ext" unless told otherwise.
    const request = { parentId: body.parentId, ...(body.name !== undefined ? { name: body.name } : {}), onConflict: onConflict(req.query, body.onConflict) ?? 'rename' };
    const { item } = await routing.onWriteNode(user.region, (node) => tree.copy(node, user.id, id, request));
    deps.logger.info({ userId: user.id, itemId: id, copyId: item.id, parentId: item.parentId }, 'item copied');
    res.status(201).json({ item: toClientItem(item) } satisfies ItemResponse);
  });

  router.delete('/api/items/:id', deps.requireUser, writeLimit, async (req, res) => {
    const user = req.user!;
    const id = itemId(req.params.id);
    await routing.onWriteNode(user.region, (node) => tree.remove(node, user.id, id));
    deps.logger.info({ userId: user.id, itemId: id }, 'item deleted');
    res.json({ deleted: true, id });
  });

  router.get('/api/search', deps.requireUser, async (req, res) => {
    const user = req.user!;
    const query = parseInput(treeSearchSchema, req.query, 'query');
    const { items } = await routing.onFirstNode(user.region, (node) => tree.search(node, user.id, query), 'No such folder.');
    res.json({ items: items.map(toClientItem) } satisfies SearchResponse);
  });

  router.get('/api/folders/:id/zip', deps.requireUser, async (req, res) => {
    const user = req.user!;
    const folderId = parseInput(folderRefSchema, req.params.id, 'id');
    // One node for the whole walk: its cursor means something only to the node that made it.
    const { node, page } = await routing.onFirstNode(
      user.region,
      async (candidate) => ({ node: candidate, page: await tree.folderPage(candidate, user.id, folderId, { sort: 'name', order: 'asc', limit: 1 }) }),
      'No such folder.',
    );
    const name = page.folder.name || 'GeoVault';
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', attachmentDisposition(`${name}.zip`));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Express answers HEAD with the GET route: the headers say all, no file need be read.
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const log = deps.logger.child({ userId: user.id, folderId });
    try {
      const result = await writeFolderZip(
        {
          walk: (cursor) => tree.walk(node, user.id, folderId, { limit: ZIP_WALK_PAGE, ...(cursor ? { cursor } : {}) }),
          open: (item) => openFile(user.region, user.id, item),
        },
        res,
      );
      log.info(result, 'folder zip sent');
    } catch (error) {
      log.warn({ err: error, sent: res.headersSent }, 'folder zip interrupted');
      // Before the first byte the client still gets a proper error; after it, a cut connection
      // (chunked, with no last chunk) that no client takes for a whole zip.
      if (!res.headersSent) {
        for (const header of ['Content-Type', 'Content-Disposition', 'X-Content-Type-Options']) res.removeHeader(header);
        const known = fromNodeError(error);
        throw known instanceof AppError ? known : new AppError('unavailable', 'The folder could not be read; try again.');
      }
      res.destroy();
    }
  });

  /** A file's bytes from the nearest node that has them (as GET /api/files/download does). */
  async function openFile(region: string, userId: string, item: ItemView) {
    const stream = await routing.onFirstNode(region, (node) => deps.client.openBlobStream(node, `/v1/files/${userId}/${item.id}`));
    return { body: stream.body, length: Number(stream.headers['content-length']) };
  }

  return router;
}
