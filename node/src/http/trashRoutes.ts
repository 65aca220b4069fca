import express from 'express';
import { z } from 'zod';
import { trashQuerySchema } from '../api/tree';
import type { ReplicationContext } from '../replication/replicationContext';
import { badCursorToRequestError } from './treeRoutes';
import { parseInput } from './validate';

const userSchema = z.object({ userId: z.uuid() });
const itemParams = userSchema.extend({ itemId: z.uuid() });
const versionParams = itemParams.extend({ versionId: z.uuid() });

/**
 * The trash and file versions of a node's tree API (DESIGN §5, §8; contract in api/tree.ts), for
 * the gateway. Every path carries the user's id, so another user's item is simply not found.
 */
export function trashRoutes(ctx: ReplicationContext): express.Router {
  const router = express.Router();
  const { tree } = ctx;

  router.get('/v1/tree/:userId/trash', (req, res) => {
    const { userId } = parseInput(userSchema, req.params, 'path');
    const query = parseInput(trashQuerySchema, req.query, 'query');
    res.json(badCursorToRequestError(() => tree.trash.page(userId, query)));
  });

  router.post('/v1/tree/:userId/trash/:itemId/restore', async (req, res) => {
    const { userId, itemId } = parseInput(itemParams, req.params, 'path');
    res.json({ item: await tree.trash.restore(userId, itemId) });
  });

  router.delete('/v1/tree/:userId/trash/:itemId', async (req, res) => {
    const { userId, itemId } = parseInput(itemParams, req.params, 'path');
    res.json({ purged: 1, files: await tree.trash.purge(userId, itemId) });
  });

  router.delete('/v1/tree/:userId/trash', async (req, res) => {
    const { userId } = parseInput(userSchema, req.params, 'path');
    res.json({ purged: await tree.trash.empty(userId) });
  });

  router.get('/v1/tree/:userId/items/:itemId/versions', (req, res) => {
    const { userId, itemId } = parseInput(itemParams, req.params, 'path');
    res.json({ versions: tree.versions.list(userId, itemId) });
  });

  router.post('/v1/tree/:userId/items/:itemId/versions/:versionId/restore', async (req, res) => {
    const { userId, itemId, versionId } = parseInput(versionParams, req.params, 'path');
    res.json({ item: await tree.versions.restore(userId, itemId, versionId) });
  });

  router.delete('/v1/tree/:userId/items/:itemId/versions/:versionId', async (req, res) => {
    const { userId, itemId, versionId } = parseInput(versionParams, req.params, 'path');
    await tree.versions.remove(userId, itemId, versionId);
    res.status(204).end();
  });

  return router;
}
