import type { RequestHandler } from 'express';
import { verifyRequest } from '../../../common/signing/requestSigning';
import { AppError } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    /** Who signed the request: a peer's node id or `gateway`. */
    caller?: string;
  }
}

/** Every node endpoint: only callers holding the cluster secret get past this. */
export function requireClusterSignature(secret: string): RequestHandler {
  return (req, _res, next) => {
    const result = verifyRequest(secret, req.method, req.originalUrl, req.headers);
    if (!result.ok) {
      next(new AppError('unauthenticated', `A valid cluster signature is required (${result.reason}).`));
      return;
    }
    req.caller = result.caller;
    next();
  };
}
