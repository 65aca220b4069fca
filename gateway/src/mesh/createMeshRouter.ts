import express, { type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { faultsRequestSchema } from '../../../node/src/api/faults';
import { AppError } from '../errors';
import type { MeshMonitor } from './meshMonitor';
import { NodeCallError, type NodeClient } from './nodeClient';

/**
 * GET /nodes (JSON for API clients; the dashboard page for browsers is served by the web
 * router), GET /api/nodes, and fault injection for signed-in users, relayed to the node.
 */
export function createMeshRouter(deps: { mesh: MeshMonitor; client: NodeClient; requireUser: RequestHandler; logger: Logger }): express.Router {
  const router = express.Router();

  router.get('/api/nodes', (_req, res) => {
    res.json(deps.mesh.snapshot());
  });

  router.get('/nodes', (req, res, next) => {
    // Browsers get the dashboard (mounted later); API clients the same JSON as /api/nodes.
    if (req.accepts(['html', 'json']) === 'html') {
      next();
      return;
    }
    res.json(deps.mesh.snapshot());
  });

  router.post('/api/nodes/:id/faults', deps.requireUser, express.json({ limit: '4kb' }), async (req, res) => {
    const id = String(req.params.id);
    if (!deps.mesh.node(id)) throw new AppError('not_found', `No node ${id}.`);
    const parsed = faultsRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError('invalid_request', `${issue?.path.join('.') || 'body'}: ${issue?.message}`);
    }
    try {
      const result = await deps.client.json<{ faults: unknown }>(id, 'POST', '/v1/faults', {
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(parsed.data)),
      });
      deps.logger.warn({ node: id, by: req.user?.id, faults: parsed.data }, 'fault injected from the dashboard');
      res.json(result);
    } catch (error) {
      if (error instanceof NodeCallError && error.unreachable) throw new AppError('unavailable', `${id} cannot be reached.`);
      throw error;
    }
  });

  return router;
}
