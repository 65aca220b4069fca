import express, { type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { DEFAULT_FAULT_SECONDS, faultsRequestSchema, MAX_FAULT_SECONDS } from '../../../node/src/api/faults';
import type { MeshAccess } from '../api/mesh';
import { LogSampler } from '../../../common/logging/logSampler';
import { AppError } from '../errors';
import { parseInput } from '../http/parseInput';
import { perUserRateLimit } from '../http/perUserRateLimit';
import type { MeshMonitor } from './meshMonitor';
import { NodeCallError, type NodeClient } from './nodeClient';

export interface MeshRouterDeps {
  mesh: MeshMonitor;
  client: NodeClient;
  requireUser: RequestHandler;
  /** True for the accounts of GEOVAULT_ADMIN_EMAILS. */
  isAdmin(email: string): boolean;
  /** Per admin; tests lower it. */
  faultsPerMinute?: number;
  logger: Logger;
}

/**
 * GET /nodes (JSON for API clients; the dashboard page for browsers is served by the web
 * router), GET /api/nodes, and fault injection for admins, relayed to the node.
 */
export function createMeshRouter(deps: MeshRouterDeps): express.Router {
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

  // Admins only (one user must not take every region offline for every tenant), and at a
  // pace no script can turn into a flood of link changes.
  const faultLimit = perUserRateLimit({ limit: deps.faultsPerMinute ?? 20, windowMs: 60_000 }, deps.logger);
  const requireAdmin: RequestHandler = (req, _res, next) => {
    if (deps.isAdmin(req.user!.email)) next();
    else next(new AppError('forbidden', 'Fault injection is for administrators (GEOVAULT_ADMIN_EMAILS).'));
  };

  const faultLog = new LogSampler(deps.logger);

  router.get('/api/nodes/access', deps.requireUser, (req, res) => {
    res.json({ canInjectFaults: deps.isAdmin(req.user!.email), defaultFaultSeconds: DEFAULT_FAULT_SECONDS, maxFaultSeconds: MAX_FAULT_SECONDS } satisfies MeshAccess);
  });

  router.post('/api/nodes/:id/faults', deps.requireUser, requireAdmin, faultLimit, async (req, res) => {
    const id = String(req.params.id);
    if (!deps.mesh.node(id)) throw new AppError('not_found', `No node ${id}.`);
    const request = parseInput(faultsRequestSchema, req.body, 'body');
    try {
      const result = await deps.client.json<{ faults: unknown }>(id, 'POST', '/v1/faults', {
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(request)),
      });
      faultLog.warn('faults', { node: id, by: req.user?.id, faults: request }, 'fault injected from the dashboard');
      res.json(result);
    } catch (error) {
      if (error instanceof NodeCallError && error.unreachable) throw new AppError('unavailable', `${id} cannot be reached.`);
      throw error;
    }
  });

  return router;
}
