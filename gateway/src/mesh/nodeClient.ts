import http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { BLOB_STREAM_PROTOCOL, STREAM_STATUS_HEADER } from '../../../node/src/api/files';
import { signRequest } from '../../../common/signing/requestSigning';
import type { NodeSpec } from '../../../node/src/config/clusterConfig';

export class NodeCallError extends Error {
  constructor(
    readonly node: string,
    /** 0 when the node could not be reached at all. */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  get unreachable(): boolean {
    return this.status === 0;
  }
}

export interface NodeRequest {
  headers?: http.OutgoingHttpHeaders;
  body?: Readable | Buffer;
  signal?: AbortSignal;
}

/**
 * The gateway's side of the node API: every request signed with the cluster secret as
 * `gateway`, bodies and responses streamed (never buffered whole), one keep-alive agent.
 */
export class NodeClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    private readonly nodes: ReadonlyMap<string, Pick<NodeSpec, 'host' | 'port'>>,
    private readonly secret: string,
  ) {}

  /** Sends a request and resolves with the response as soon as its headers arrive. */
  request(node: string, method: string, path: string, options: NodeRequest = {}): Promise<http.IncomingMessage> {
    const spec = this.nodes.get(node);
    if (!spec) return Promise.reject(new NodeCallError(node, 0, 'unknown_node', `No node ${node}.`));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: spec.host,
          port: spec.port,
          method,
          path,
          agent: this.agent,
          signal: options.signal,
          headers: {
            ...options.headers,
            ...signRequest(this.secret, 'gateway', method, path, Buffer.isBuffer(options.body) ? { body: options.body } : { streamed: options.body !== undefined }),
          },
        },
        resolve,
      );
      req.on('error', (error) => reject(new NodeCallError(node, 0, 'unreachable', `${node} could not be reached: ${error.message}`)));
      if (!options.body) req.end();
      else if (Buffer.isBuffer(options.body)) req.end(options.body);
      else {
        options.body.on('error', (error) => req.destroy(error));
        options.body.pipe(req);
      }
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
      req.on('upgrade', (res, socket, head) => {
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
    return (await readJson(node, res)) as T;
  }

  close(): void {
    this.agent.destroy();
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
    const error = (body as { error?: { code?: string; message?: string } }).error;
    throw new NodeCallError(node, res.statusCode ?? 500, error?.code ?? 'internal', error?.message ?? `HTTP ${res.statusCode}`);
  }
  return body;
}
