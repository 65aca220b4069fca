import type { RequestHandler } from 'express';
import type { ReplicationContext } from '../replication/replicationContext';
import { AppError } from './errors';

/** Endpoints between nodes: the signed caller must be another configured node, not the gateway. */
export function peersOnly(ctx: ReplicationContext, what: string): RequestHandler {
  return (req, _res, next) => {
    if (!req.caller || req.caller === ctx.self || !ctx.allNodes.includes(req.caller)) {
      next(new AppError('forbidden', `${what} are for peer nodes only.`));
      return;
    }
    next();
  };
}
