import http from 'node:http';
import { signRequest } from '../../common/signing/requestSigning';
import type { CreateUploadRequest, UploadView } from '../../node/src/api/uploads';
import type { NodeCluster } from './nodeCluster';

export interface Answer<T = unknown> {
  status: number;
  body: T;
}

/** Error answers of the node API. */
export type ErrorBody = { error: { code: string; message: string; offset?: number } };

/** POST /v1/uploads/:userId as the gateway sends it. */
export async function createUpload(cluster: NodeCluster, node: string, userId: string, request: CreateUploadRequest): Promise<Answer<{ upload: UploadView } & ErrorBody>> {
  const res = await cluster.request(node, 'POST', `/v1/uploads/${userId}`, request);
  return { status: res.status, body: (await res.json()) as { upload: UploadView } & ErrorBody };
}

export async function getUpload(cluster: NodeCluster, node: string, userId: string, uploadId: string): Promise<Answer<{ upload: UploadView } & ErrorBody>> {
  const res = await cluster.request(node, 'GET', `/v1/uploads/${userId}/${uploadId}`);
  return { status: res.status, body: (await res.json()) as { upload: UploadView } & ErrorBody };
}

export async function deleteUpload(cluster: NodeCluster, node: string, userId: string, uploadId: string): Promise<number> {
  const res = await cluster.request(node, 'DELETE', `/v1/uploads/${userId}/${uploadId}`);
  await res.arrayBuffer();
  return res.status;
}

export async function completeUpload(cluster: NodeCluster, node: string, userId: string, uploadId: string): Promise<Answer<{ upload: UploadView } & ErrorBody>> {
  const res = await cluster.request(node, 'POST', `/v1/uploads/${userId}/${uploadId}/complete`);
  return { status: res.status, body: (await res.json()) as { upload: UploadView } & ErrorBody };
}

export interface PatchOptions {
  /** Declared Content-Length (the body's own length unless said). */
  contentLength?: number;
  /** Cut the connection once this many bytes are written (a client going away mid-body). */
  cutAfter?: number;
  /** x-chunk-sha256 */
  chunkSha256?: string;
  /** Called once the first bytes are written (e.g. to kill a node mid-PATCH). */
  onSent?: (sent: number) => void | Promise<void>;
  /** Bytes per write, with a pause between writes (so a cut or a kill lands mid-body). */
  pieceBytes?: number;
  pauseMs?: number;
}

/**
 * PATCH /v1/uploads/:userId/:uploadId?offset=N with real HTTP; resolves with the answer, or with
 * status 0 when the connection was cut (on purpose or by a dying node).
 */
export function patchUpload(cluster: NodeCluster, node: string, userId: string, uploadId: string, offset: number, data: Buffer, opts: PatchOptions = {}): Promise<Answer<{ upload: UploadView } & ErrorBody>> {
  const path = `/v1/uploads/${userId}/${uploadId}?offset=${offset}`;
  const headers: http.OutgoingHttpHeaders = {
    ...signRequest(cluster.secret, 'gateway', 'PATCH', path, { streamed: true }),
    'content-type': 'application/octet-stream',
    'content-length': opts.contentLength ?? data.length,
  };
  if (opts.chunkSha256) headers['x-chunk-sha256'] = opts.chunkSha256;
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: Answer<{ upload: UploadView } & ErrorBody>) => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    const req = http.request({ host: '127.0.0.1', port: cluster.port(node), method: 'PATCH', path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        done({ status: res.statusCode!, body: text ? JSON.parse(text) : {} });
      });
      res.on('error', () => done({ status: 0, body: {} as never }));
    });
    req.on('error', () => done({ status: 0, body: {} as never }));
    const piece = opts.pieceBytes ?? 256 * 1024;
    const limit = Math.min(data.length, opts.cutAfter ?? data.length);
    void (async () => {
      let sent = 0;
      while (sent < limit && !req.destroyed) {
        const next = Math.min(limit, sent + piece);
        const ok = req.write(data.subarray(sent, next));
        sent = next;
        await opts.onSent?.(sent);
        if (!ok) await new Promise((r) => req.once('drain', r));
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
      if (opts.cutAfter !== undefined && opts.cutAfter < data.length) {
        // Give the bytes a moment to leave, then go away as a client whose network dropped.
        await new Promise((r) => setTimeout(r, 50));
        req.destroy();
        done({ status: 0, body: {} as never });
        return;
      }
      req.end();
    })();
  });
}
