import express from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { faultsRequestSchema } from '../api/faults';
import type { NodeStatus } from '../api/status';
import type { LinkFaults } from '../transport/linkSimulator';
import type { FaultsRequest } from '../api/faults';
import type { KeysReloaded } from '../api/keys';
import { LogSampler } from '../../../common/logging/logSampler';
import { signedJson, type ClusterGuard } from './clusterAuth';
import { AppError, errorHandler, notFoundHandler } from './errors';
import { parseInput } from './validate';

/** The cluster-wide key-value space open to the node API (`kv/<name>`); file entries are not. */
export const KV_PREFIX = 'kv/';
const kvNameSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'a name of letters, digits and . _ : -');
const kvBodySchema = z.strictObject({ value: z.json() });

export interface NodeAppDeps {
  guard: ClusterGuard;
  logger: Logger;
  status(): NodeStatus;
  applyFaults(request: FaultsRequest): LinkFaults;
  /** Re-reads the master key file and swaps the keys in (keys rotation without a restart). */
  reloadKeys(): Promise<KeysReloaded>;
  index: {
    read(prefix: string): Array<{ key: string; value: unknown }>;
    write(key: string, value: unknown): Promise<unknown>;
    remove(key: string): Promise<unknown>;
  };
  /** File and replica routes: they stream raw bodies, so no body parser runs before them. */
  routers: express.Router[];
}

/** Builds the node's HTTP API without listening (main wires it to a server). */
export function createNodeApp(deps: NodeAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(deps.guard.middleware());
  for (const router of deps.routers) app.use(router);
  // JSON bodies only for the small control endpoints, checked against their signed digest;
  // file bodies are raw streams.
  const json = signedJson('64kb');

  app.get('/v1/status', (_req, res) => {
    res.json(deps.status());
  });

  const faultLog = new LogSampler(deps.logger);
  app.post('/v1/faults', json, (req, res) => {
    const request = parseInput(faultsRequestSchema, req.body, 'body');
    const faults = deps.applyFaults(request);
    faultLog.warn('faults', { caller: req.caller, faults }, 'link faults changed');
    res.json({ faults });
  });

  app.post('/v1/keys/reload', async (req, res) => {
    const reloaded = await deps.reloadKeys();
    deps.logger.warn({ caller: req.caller, ...reloaded }, 'master keys reloaded');
    res.json(reloaded);
  });

  app.get('/v1/kv', (_req, res) => {
    const entries = deps.index.read(KV_PREFIX).map(({ key, value }) => ({ name: key.slice(KV_PREFIX.length), value }));
    res.json({ entries });
  });

  app.put('/v1/kv/:name', json, async (req, res) => {
    const name = parseInput(kvNameSchema, req.params.name, 'name');
    const { value } = parseInput(kvBodySchema, req.body, 'body');
    const fact = await deps.index.write(KV_PREFIX + name, value);
    res.status(200).json({ fact });
  });

  app.delete('/v1/kv/:name', async (req, res) => {
    const name = parseInput(kvNameSchema, req.params.name, 'name');
    if (!deps.index.read(KV_PREFIX + name).some((entry) => entry.key === KV_PREFIX + name)) {
      throw new AppError('not_found', `No entry named ${name}.`);
    }
    const fact = await deps.index.remove(KV_PREFIX + name);
    res.status(200).json({ fact });
  });

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
