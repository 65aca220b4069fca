import crypto from 'node:crypto';
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

/**
 * A signed JSON call on a connection of its own: a kept-alive one can be closed by the node just
 * as it is reused when the test process is slow (a busy 2-core machine), which fails the call.
 */
function call<T>(cluster: NodeCluster, node: string, method: string, path: string, body?: unknown, caller = 'gateway'): Promise<Answer<T>> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = signRequest(cluster.secret, caller, method, path, { body: text });
  if (text !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: cluster.port(node), method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, body: (raw ? JSON.parse(raw) : {}) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
}

type UploadAnswer = Answer<{ upload: UploadView } & ErrorBody>;

/** POST /v1/uploads/:userId as the gateway sends it. */
export function createUpload(cluster: NodeCluster, node: string, userId: string, request: CreateUploadRequest): Promise<UploadAnswer> {
  return call(cluster, node, 'POST', `/v1/uploads/${userId}`, request);
}

/**
 * Creates an upload held by every node of the cluster, for a test whose point needs all three
 * holders (one killed, two left). An upload's holders are the nodes its creator does not hold
 * dead at that moment, and its creation is answered once two of them keep it: on a loaded
 * machine one may be held dead just then, or fail its part. Such an upload is terminated and
 * another one created, with a fresh id each time.
 */
export async function createOnEveryNode(cluster: NodeCluster, node: string, userId: string, request: Omit<CreateUploadRequest, 'uploadId'>): Promise<UploadAnswer> {
  for (let attempt = 1; ; attempt++) {
    const answer = await createUpload(cluster, node, userId, { ...request, uploadId: crypto.randomUUID() });
    if (answer.status !== 201 || attempt === 10) return answer;
    const uploadId = answer.body.upload.id;
    if (answer.body.upload.holders.length === cluster.ids.length && (await keptByEveryNode(cluster, userId, uploadId))) return answer;
    await deleteUpload(cluster, node, userId, uploadId);
  }
}

/** Every node keeps a partial of the upload, asked as a peer asks (the third may answer late). */
async function keptByEveryNode(cluster: NodeCluster, userId: string, uploadId: string): Promise<boolean> {
  const keeps = (node: string) => call(cluster, node, 'GET', `/v1/partials/${userId}/${uploadId}`, undefined, cluster.ids.find((other) => other !== node)).then((answer) => answer.status === 200);
  for (let wait = 0; wait < 20; wait++) {
    if ((await Promise.all(cluster.ids.map(keeps))).every(Boolean)) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

export function getUpload(cluster: NodeCluster, node: string, userId: string, uploadId: string): Promise<UploadAnswer> {
  return call(cluster, node, 'GET', `/v1/uploads/${userId}/${uploadId}`);
}

export async function deleteUpload(cluster: NodeCluster, node: string, userId: string, uploadId: string): Promise<number> {
  return (await call(cluster, node, 'DELETE', `/v1/uploads/${userId}/${uploadId}`)).status;
}

export function completeUpload(cluster: NodeCluster, node: string, userId: string, uploadId: string): Promise<UploadAnswer> {
  return call(cluster, node, 'POST', `/v1/uploads/${userId}/${uploadId}/complete`);
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
export function patchUpload(cluster: NodeCluster, node: string, userId: string, uploadId: string, offset: number, data: Buffer, opts: PatchOptions = {}): Promise<UploadAnswer> {
  const path = `/v1/uploads/${userId}/${uploadId}?offset=${offset}`;
  const headers: http.OutgoingHttpHeaders = {
    ...signRequest(cluster.secret, 'gateway', 'PATCH', path, { streamed: true }),
    'content-type': 'application/octet-stream',
    'content-length': opts.contentLength ?? data.length,
  };
  if (opts.chunkSha256) headers['x-chunk-sha256'] = opts.chunkSha256;
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: UploadAnswer) => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    const req = http.request({ host: '127.0.0.1', port: cluster.port(node), method: 'PATCH', path, headers, agent: false }, (res) => {
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

/**
 * PATCHes `file` from `offset` up to `end` as a tus client does: a 503 or 423 (a holder not
 * reachable yet), or a dropped connection, both seen on a loaded machine right after a node
 * died or came back, is followed by a pause, a question where the upload stands, and the rest
 * from there (or, when every byte is in, the completion). Anything else is the answer.
 */
export async function patchResuming(cluster: NodeCluster, node: string, userId: string, uploadId: string, file: Buffer, offset: number, end = file.length): Promise<UploadAnswer> {
  let answer = await patchUpload(cluster, node, userId, uploadId, offset, file.subarray(offset, end));
  for (let retry = 0; retry < 10 && [0, 423, 503].includes(answer.status); retry++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const state = await getUpload(cluster, node, userId, uploadId).catch(() => undefined);
    if (state?.status !== 200) continue;
    const from = state.body.upload.offset;
    // Every byte in but no file yet (the PATCH that carried the last ones was cut before its
    // commit): finished as the gateway does.
    if (from >= end) return from === file.length && !state.body.upload.completed ? completeUpload(cluster, node, userId, uploadId) : state;
    answer = await patchUpload(cluster, node, userId, uploadId, from, file.subarray(from, end));
  }
  return answer;
}
