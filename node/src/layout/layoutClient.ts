import type { z } from 'zod';
import type { NodeId } from '../gossip/frames';
import { signRequest } from '../../../common/signing/requestSigning';
import type { LinkSimulator } from '../transport/linkSimulator';
import { holdingsAnswerSchema, joinAnswerSchema, type HoldingsAnswer, type HoldingsRequest, type JoinAnswer, type NodeAddress } from '../api/layout';

const DEADLINE_MS = 10_000;

export class LayoutCallError extends Error {
  constructor(
    readonly target: string,
    readonly status: number,
    message: string,
  ) {
    super(`${target}: ${message}`);
  }
}

/**
 * The layout's node-to-node calls: a join sent to a member known only by address, the
 * holdings asked of new holders before a moved copy is dropped, another node's status. Signed
 * with the cluster secret; a call to a known peer pays its simulated link's delay both ways.
 */
export class LayoutClient {
  constructor(
    private readonly opts: {
      self: NodeId;
      secret: string;
      links: LinkSimulator;
      address: (peer: NodeId) => { host: string; port: number } | undefined;
    },
  ) {}

  /** Introduces this node to the member listening at `host:port`. */
  join(at: { host: string; port: number }, self: NodeAddress): Promise<JoinAnswer> {
    return this.call(at, undefined, 'POST', '/v1/join', { node: self }, joinAnswerSchema);
  }

  /** Whether `peer` holds each file stored, under which layout version. */
  holdings(peer: NodeId, request: HoldingsRequest): Promise<HoldingsAnswer> {
    return this.call(this.addressOf(peer), peer, 'POST', '/v1/layout/holdings', request, holdingsAnswerSchema);
  }

  /** `peer`'s own /v1/status, loosely typed: only a few counters are read. */
  status(peer: NodeId): Promise<unknown> {
    return this.call(this.addressOf(peer), peer, 'GET', '/v1/status', undefined);
  }

  private addressOf(peer: NodeId): { host: string; port: number } {
    const address = this.opts.address(peer);
    if (!address) throw new LayoutCallError(peer, 0, 'no known address');
    return address;
  }

  private async call<T>(at: { host: string; port: number }, peer: NodeId | undefined, method: string, path: string, body: unknown, schema?: z.ZodType<T>): Promise<T> {
    const target = peer ?? `${at.host}:${at.port}`;
    const text = body === undefined ? undefined : JSON.stringify(body);
    await this.delay(peer);
    let res: Response;
    try {
      res = await fetch(`http://${at.host}:${at.port}${path}`, {
        method,
        headers: { ...signRequest(this.opts.secret, this.opts.self, method, path, { body: text }), ...(text ? { 'content-type': 'application/json' } : {}) },
        body: text,
        signal: AbortSignal.timeout(DEADLINE_MS),
      });
    } catch (error) {
      throw new LayoutCallError(target, 0, (error as Error).message);
    }
    const answer: unknown = await res.json().catch(() => ({}));
    await this.delay(peer);
    if (!res.ok) {
      const message = (answer as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`;
      throw new LayoutCallError(target, res.status, message);
    }
    if (!schema) return answer as T;
    const parsed = schema.safeParse(answer);
    if (!parsed.success) throw new LayoutCallError(target, res.status, 'malformed answer');
    return parsed.data;
  }

  private async delay(peer: NodeId | undefined): Promise<void> {
    if (peer === undefined) return;
    if (this.opts.links.isCut(peer)) throw new LayoutCallError(peer, 0, 'link cut');
    const ms = this.opts.links.sampleDelay(peer);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
