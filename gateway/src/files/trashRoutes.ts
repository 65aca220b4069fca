import express from 'express';
import { z } from 'zod';
import { trashQuerySchema } from '../../../node/src/api/tree';
import type { ItemResponse, TrashListResponse } from '../api/files';
import { parseInput } from '../http/parseInput';
import { perUserRateLimit } from '../http/perUserRateLimit';
import { toClientItem, toClientUsage, toTrashItem } from './itemViews';
import { NodeRouting } from './nodeRouting';
import { TreeClient } from './treeClient';
import { DEFAULT_TREE_WRITE_LIMIT, type TreeRouterDeps } from './treeRoutes';

const itemIdSchema = z.uuid({ error: 'an item id (UUID)' });

/**
 * The trash (DESIGN §5, §8): what was deleted, newest first, with where it was; restore puts an
 * item back (the root if its folder is gone, a free name if its own is taken), and purging frees
 * its quota. Every node path carries the signed-in user's id: another user's item is a 404.
 */
export function createTrashRouter(deps: TreeRouterDeps): express.Router {
  const routing = new NodeRouting(deps.mesh, deps.nodes);
  const tree = new TreeClient(deps.client);
  const router = express.Router();
  const writeLimit = perUserRateLimit(deps.writeLimit ?? DEFAULT_TREE_WRITE_LIMIT, deps.logger);
  const itemId = (value: unknown) => parseInput(itemIdSchema, value, 'id');

  router.get('/api/trash', deps.requireUser, async (req, res) => {
    const user = req.user!;
    const query = parseInput(trashQuerySchema, req.query, 'query');
    const page = await routing.onFirstNode(user.region, (node) => tree.trash(node, user.id, query));
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      items: page.items.map(toTrashItem),
      usage: toClientUsage(page.usage),
      retentionDays: page.retentionMs / 86_400_000,
      ...(page.cursor ? { cursor: page.cursor } : {}),
    } satisfies TrashListResponse);
  });

  router.post('/api/trash/:id/restore', deps.requireUser, writeLimit, async (req, res) => {
    const user = req.user!;
    const id = itemId(req.params.id);
    const { item } = await routing.onWriteNode(user.region, (node) => tree.restore(node, user.id, id));
    deps.logger.info({ userId: user.id, itemId: id, parentId: item.parentId }, 'item restored from the trash');
    res.json({ item: toClientItem(item) } satisfies ItemResponse);
  });

  router.delete('/api/trash/:id', deps.requireUser, writeLimit, async (req, res) => {
    const user = req.user!;
    const id = itemId(req.params.id);
    const { files } = await routing.onWriteNode(user.region, (node) => tree.purge(node, user.id, id));
    deps.logger.info({ userId: user.id, itemId: id, files }, 'item purged from the trash');
    res.status(204).end();
  });

  router.delete('/api/trash', deps.requireUser, writeLimit, async (req, res) => {
    const user = req.user!;
    const { purged } = await routing.onWriteNode(user.region, (node) => tree.emptyTrash(node, user.id));
    deps.logger.info({ userId: user.id, purged }, 'trash emptied');
    res.json({ purged });
  });

  return router;
}
