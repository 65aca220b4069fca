import express from 'express';
import { z } from 'zod';
import {
  copyItemSchema,
  createFolderSchema,
  ensurePathSchema,
  folderQuerySchema,
  folderRefSchema,
  treeSearchSchema,
  updateItemSchema,
  walkQuerySchema,
} from '../api/tree';
import { BadCursorError } from '../store/pageCursor';
import type { ReplicationContext } from '../replication/replicationContext';
import { signedJson } from './clusterAuth';
import { AppError } from './errors';
import { parseInput } from './validate';

const userSchema = z.object({ userId: z.uuid() });
const folderParams = userSchema.extend({ folderId: folderRefSchema });
const itemParams = userSchema.extend({ itemId: z.uuid() });

/** A cursor from elsewhere is the client's mistake (400), not ours. */
export function badCursorToRequestError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof BadCursorError) throw new AppError('invalid_request', error.message);
    throw error;
  }
}

/**
 * The tree API of a node (DESIGN §8, contract in api/tree.ts), for the gateway: every path
 * carries the user's id, so another user's item is simply not found.
 */
export function treeRoutes(ctx: ReplicationContext): express.Router {
  const router = express.Router();
  const { tree } = ctx;

  router.get('/v1/tree/:userId/folders/:folderId', (req, res) => {
    const { userId, folderId } = parseInput(folderParams, req.params, 'path');
    const query = parseInput(folderQuerySchema, req.query, 'query');
    const started = performance.now();
    const page = badCursorToRequestError(() => tree.folderPage(userId, folderId, query));
    res.setHeader('Server-Timing', `page;dur=${(performance.now() - started).toFixed(2)}`);
    res.json(page);
  });

  router.get('/v1/tree/:userId/folders/:folderId/walk', (req, res) => {
    const { userId, folderId } = parseInput(folderParams, req.params, 'path');
    const query = parseInput(walkQuerySchema, req.query, 'query');
    res.json(badCursorToRequestError(() => tree.walk(userId, folderId, query)));
  });

  router.post('/v1/tree/:userId/folders', signedJson('16kb'), async (req, res) => {
    const { userId } = parseInput(userSchema, req.params, 'path');
    const body = parseInput(createFolderSchema, req.body, 'body');
    res.status(201).json({ item: await tree.createFolder(userId, body.parentId, body.name, body.onConflict) });
  });

  router.post('/v1/tree/:userId/paths', signedJson('64kb'), async (req, res) => {
    const { userId } = parseInput(userSchema, req.params, 'path');
    const body = parseInput(ensurePathSchema, req.body, 'body');
    res.json({ item: await tree.ensurePath(userId, body.parentId, body.path) });
  });

  router.get('/v1/tree/:userId/items/:itemId', (req, res) => {
    const { userId, itemId } = parseInput(itemParams, req.params, 'path');
    res.json({ item: tree.item(userId, itemId) });
  });

  router.patch('/v1/tree/:userId/items/:itemId', signedJson('16kb'), async (req, res) => {
    const { userId, itemId } = parseInput(itemParams, req.params, 'path');
    const body = parseInput(updateItemSchema, req.body, 'body');
    res.json({ item: await tree.update(userId, itemId, body) });
  });

  router.post('/v1/tree/:userId/items/:itemId/copy', signedJson('16kb'), async (req, res) => {
    const { userId, itemId } = parseInput(itemParams, req.params, 'path');
    const body = parseInput(copyItemSchema, req.body, 'body');
    res.status(201).json({ item: await tree.copy(userId, itemId, body) });
  });

  router.delete('/v1/tree/:userId/items/:itemId', async (req, res) => {
    const { userId, itemId } = parseInput(itemParams, req.params, 'path');
    await tree.delete(userId, itemId);
    res.json({ deleted: true, id: itemId });
  });

  router.get('/v1/tree/:userId/search', (req, res) => {
    const { userId } = parseInput(userSchema, req.params, 'path');
    const query = parseInput(treeSearchSchema, req.query, 'query');
    res.json({ items: tree.search(userId, query) });
  });

  return router;
}
