import type { IncomingHttpHeaders } from 'node:http';
import express, { type RequestHandler } from 'express';
import { NonceRegistry } from '../../../common/signing/nonceRegistry';
import { sha256Hex, UNSIGNED_PAYLOAD, verifyRequest, type VerifyResult } from '../../../common/signing/requestSigning';
import { AppError } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    /** Who signed the request: a peer's node id or `gateway`. */
    caller?: string;
    /** The signed SHA-256 of the body, or UNSIGNED_PAYLOAD for a streamed one. */
    contentDigest?: string;
  }
}

/**
 * One per node process: HTTP requests and WebSocket/stream upgrades share the nonce registry,
 * so a request captured on either path cannot be replayed on the other.
 */
export class ClusterGuard {
  private readonly nonces: NonceRegistry;

  constructor(
    private readonly secret: string,
    options: { maxNonces?: number } = {},
  ) {
    this.nonces = new NonceRegistry(options.maxNonces);
  }

  verify(method: string, pathAndQuery: string, headers: IncomingHttpHeaders, now = Date.now()): VerifyResult {
    const verdict = verifyRequest(this.secret, method, pathAndQuery, headers, now);
    if (!verdict.ok) return verdict;
    if (!this.nonces.claim(verdict.nonce, verdict.sentAt, now)) return { ok: false, reason: 'replayed request' };
    return verdict;
  }

  /** Every node endpoint: only callers holding the cluster secret get past this, once per nonce. */
  middleware(): RequestHandler {
    return (req, _res, next) => {
      const result = this.verify(req.method, req.originalUrl, req.headers);
      if (!result.ok) {
        next(new AppError('unauthenticated', `A valid cluster signature is required (${result.reason}).`));
        return;
      }
      req.caller = result.caller;
      req.contentDigest = result.contentDigest;
      next();
    };
  }
}

/**
 * JSON bodies of control calls must match the digest they were signed with: a replayed or
 * altered body (`{clear:true}` sent again as `{paused:true}`) is refused before it is parsed.
 */
export function signedJson(limit = '64kb'): RequestHandler {
  return express.json({
    limit,
    verify: (req, _res, raw) => {
      const digest = (req as express.Request).contentDigest;
      if (digest === UNSIGNED_PAYLOAD || digest !== sha256Hex(raw)) {
        throw new AppError('unauthenticated', 'The body does not match its signed digest.');
      }
    },
  });
}
