import http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { BLOB_STREAM_PROTOCOL, STREAM_STATUS_HEADER } from '../../../node/src/api/files';
import { signRequest } from '../../../common/signing/requestSigning';
import type { NodeSpec } from '../../../node/src/config/clusterConfig';
import { keepAliveAgent } from '../../../common/http/keepAlive';

export class NodeCallError extends Error {
  constructor(
    readonly node: string,
    /** 0 when the node could not be reached at all. */
    readonly status: number,
    readonly code: string,
    message: string,
    /** What else the node's error said (e.g. `offset` of a 409 offset_mismatch), and `bodySent`. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }

  /** The request failed before any byte of its streamed body left (Expect: 100-continue): safe to send elsewhere. */
  get bodyUntouched(): boolean {
    return this.details.bodySent === false;
  }

  get unreachable(): boolean {
    return this.status === 0;
  }
}

export interface NodeRequest {
  headers?: http.OutgoingHttpHeaders;
  body?: Readable | Buffer;
  signal?: AbortSignal;
  /**
   * `control` (default): a short call (list, usage, status, delete) with a deadline, on a pool
   * of its own; `stream`: an upload body, on the pool that streams use, cut when idle.
   */
  pool?: 'control' | 'stream';
  /**
   * Until when a streamed body is held back, so that a node that cannot be reached has taken
   * no byte of it and the caller may still send it to another (NodeCallError.bodyUntouched):
   * `continue`, the node's 100 Continue (a node that refuses at once takes none either);
   * `connected`, a connected socket only, a round trip less for a node that just answered.
   */
  untouchedUntil?: 'continue' | 'connected';
}

export interface NodeClientOptions {
  /** Deadline of a control call, answer included. */
  controlTimeoutMs?: number;
  /** An upload stream that moves no byte for this long is cut. */
  streamIdleTimeoutMs?: number;
  /** Sockets per node for upload streams; control calls never wait behind them. */
  streamSockets?: number;
}

/**
 * The gateway's side of the node API: every request signed with the cluster secret as
 * `gateway`, bodies and responses streamed (never buffered whole). Uploads and control calls
 * use separate keep-alive pools, so that slow uploads, however many, never hold up a file list
 * or a status poll; and every call has a time limit, so that a node that stopped answering
 * (frozen, not gone) is failed over instead of waited on for ever.
 */
export class NodeClient {
  private readonly controlAgent = keepAliveAgent(16);
  private readonly streamAgent: http.Agent;
  private readonly controlTimeoutMs: number;
  private readonly streamIdleTimeoutMs: number;

  constructor(
    private readonly nodes: ReadonlyMap<string, Pick<NodeSpec, 'host' | 'port'>>,
    private readonly secret: string,
    options: NodeClientOptions = {},
  ) {
    this.controlTimeoutMs = options.controlTimeoutMs ?? 10_000;
    this.streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? 60_000;
    this.streamAgent = keepAliveAgent(options.streamSockets ?? 64);
  }

  /** Sends a request and resolves with the response as soon as its headers arrive. */
  request(node: string, method: string, path: string, options: NodeRequest = {}): Promise<http.IncomingMessage> {
    const spec = this.nodes.get(node);
    if (!spec) return Promise.reject(new NodeCallError(node, 0, 'unknown_node', `No node ${node}.`));
    const stream = options.pool === 'stream';
    const deadline = stream ? undefined : AbortSignal.timeout(this.controlTimeoutMs);
    const signal = deadline && options.signal ? AbortSignal.any([deadline, options.signal]) : (deadline ?? options.signal);
    const streamedBody = options.body !== undefined && !Buffer.isBuffer(options.body) ? options.body : undefined;
    const untouchedUntil = streamedBody === undefined ? undefined : options.untouchedUntil;
    const expectContinue = untouchedUntil === 'continue';
    let bodySent = false;
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: spec.host,
          port: spec.port,
          method,
          path,
          agent: stream ? this.streamAgent : this.controlAgent,
          signal,
          headers: {
            ...options.headers,
            ...(expectContinue ? { expect: '100-continue' } : {}),
            ...signRequest(this.secret, 'gateway', method, path, Buffer.isBuffer(options.body) ? { body: options.body } : { streamed: options.body !== undefined }),
          },
        },
        (res) => {
          // Refused before its 100 Continue: the body never goes, so the request cannot end cleanly.
          if (expectContinue && !bodySent) res.once('end', () => req.destroy());
          resolve(res);
        },
      );
      if (stream) req.setTimeout(this.streamIdleTimeoutMs, () => req.destroy(new Error(`no byte moved for ${this.streamIdleTimeoutMs / 1000} s`)));
      req.on('error', (error) => {
        const details = untouchedUntil ? { bodySent } : {};
        if (deadline?.aborted) reject(new NodeCallError(node, 0, 'timeout', `${node} did not answer within ${this.controlTimeoutMs / 1000} s`, details));
        else reject(new NodeCallError(node, 0, 'unreachable', `${node} could not be reached: ${error.message}`, details));
      });
      const sendBody = (body: Readable) => {
        bodySent = true;
        body.on('error', (error) => req.destroy(error));
        body.pipe(req);
      };
      if (!options.body) req.end();
      else if (Buffer.isBuffer(options.body)) req.end(options.body);
      else if (expectContinue) {
        req.flushHeaders();
        req.once('continue', () => sendBody(streamedBody!));
      } else if (untouchedUntil === 'connected') {
        req.once('socket', (socket) => {
          if (socket.connecting) socket.once('connect', () => sendBody(streamedBody!));
          // A kept-alive socket whose node has died since may have its end waiting, unread: one
          // poll of the event loop first, so that it fails this request before a byte is taken.
          else setImmediate(() => setImmediate(() => !req.destroyed && sendBody(streamedBody!)));
        });
      } else sendBody(options.body);
    });
  }

  /**
   * GET of a file as a raw byte stream (BLOB_STREAM_PROTOCOL): resolves with the node's status
   * and headers and the socket, positioned at the first byte; the socket carries exactly
   * Content-Length bytes, then ends. A refusal rejects with the node's NodeCallError.
   */
  openBlobStream(node: string, path: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Duplex }> {
    const spec = this.nodes.get(node);
    if (!spec) return Promise.reject(new NodeCallError(node, 0, 'unknown_node', `No node ${node}.`));
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: spec.host,
        port: spec.port,
        method: 'GET',
        path,
        // An upgraded socket leaves the pool for good; a fresh connection per stream.
        agent: false,
        headers: { ...headers, connection: 'Upgrade', upgrade: BLOB_STREAM_PROTOCOL, ...signRequest(this.secret, 'gateway', 'GET', path) },
      });
      // Until the node answers; the stream itself then runs at the pace the client reads it.
      const deadline = setTimeout(() => {
        req.destroy();
        reject(new NodeCallError(node, 0, 'timeout', `${node} did not answer within ${this.controlTimeoutMs / 1000} s`));
      }, this.controlTimeoutMs);
      req.once('close', () => clearTimeout(deadline));
      req.on('upgrade', (res, socket, head) => {
        clearTimeout(deadline);
        if (head.length > 0) socket.unshift(head);
        resolve({ status: Number(res.headers[STREAM_STATUS_HEADER]), headers: res.headers, body: socket });
      });
      req.on('response', (res) => {
        readJson(node, res).then(
          () => reject(new NodeCallError(node, res.statusCode ?? 500, 'internal', `${node} answered ${res.statusCode} instead of a byte stream`)),
          reject,
        );
      });
      req.on('error', (error) => reject(new NodeCallError(node, 0, 'unreachable', `${node} could not be reached: ${error.message}`)));
      req.end();
    });
  }

  /** A request whose answer is JSON; a non-2xx answer becomes a NodeCallError with the node's code. */
  async json<T>(node: string, method: string, path: string, options: NodeRequest = {}): Promise<T> {
    const res = await this.request(node, method, path, options);
    try {
      return (await readJson(node, res)) as T;
    } catch (error) {
      if (error instanceof NodeCallError) throw error;
      // Cut while the answer was arriving: by the deadline, or by the node going away.
      throw new NodeCallError(node, 0, 'unreachable', `${node} broke off its answer: ${(error as Error).message}`);
    }
  }

  close(): void {
    this.controlAgent.destroy();
    this.streamAgent.destroy();
  }
}

export async function readJson(node: string, res: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  let body: unknown = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = {};
  }
  if ((res.statusCode ?? 500) >= 300) {
    const error = (body as { error?: { code?: string; message?: string } & Record<string, unknown> }).error;
    const { code, message, ...details } = error ?? {};
    throw new NodeCallError(node, res.statusCode ?? 500, code ?? 'internal', message ?? `HTTP ${res.statusCode}`, details);
  }
  return body;
}
