import crypto from 'node:crypto';
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import Busboy from 'busboy';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { listQuerySchema, type FileListPage, type FileView, type UsageView } from '../../../node/src/api/files';
import type { NodeSpec } from '../../../node/src/config/clusterConfig';
import { AppError, type GatewayErrorCode } from '../errors';
import { parseInput } from '../http/parseInput';
import type { ClientFile, FileListResponse, RepairResponse, UploadResponse, UserInfoResponse } from '../api/files';
import type { MeshMonitor } from '../mesh/meshMonitor';
import { NodeCallError, readJson, type NodeClient } from '../mesh/nodeClient';
import { attachmentDisposition } from './contentDisposition';
import { exactLength } from './exactLength';
import { nodesByPreference } from './nodePreference';
import { UploadSlots } from './uploadSlots';

export interface FilesRouterDeps {
  client: NodeClient;
  mesh: MeshMonitor;
  nodes: ReadonlyMap<string, NodeSpec>;
  requireUser: RequestHandler;
  /** Uploads one user may have in flight (DESIGN §9). */
  uploadsPerUser: number;
  logger: Logger;
}

const fileIdSchema = z.uuid({ error: 'a file id (UUID)' });
const NODE_TO_GATEWAY: Record<string, GatewayErrorCode> = {
  invalid_request: 'invalid_request',
  not_found: 'not_found',
  conflict: 'conflict',
  quota_exceeded: 'quota_exceeded',
  payload_too_large: 'payload_too_large',
  range_not_satisfiable: 'range_not_satisfiable',
  replication_failed: 'replication_failed',
  unavailable: 'unavailable',
  insufficient_storage: 'insufficient_storage',
};

function toClientFile(view: FileView): ClientFile {
  return { id: view.fileId, name: view.name, size: view.size, sha256: view.sha256, mime: view.mime, createdAt: view.createdAt, replicas: view.replicas };
}

function fromNodeError(error: unknown): unknown {
  if (!(error instanceof NodeCallError)) return error;
  if (error.unreachable) return new AppError('unavailable', 'No storage node could be reached.');
  return new AppError(NODE_TO_GATEWAY[error.code] ?? 'internal', error.message);
}

/**
 * The files API (DESIGN §7) over the mesh. Bytes stream straight through: the gateway never
 * holds a whole file in memory or on disk. Every node path includes the signed-in user's id,
 * so another user's file id simply is not found (404).
 */
export function createFilesRouter(deps: FilesRouterDeps): express.Router {
  const { client, mesh, nodes } = deps;
  const router = express.Router();

  /** Nodes to try for this user: home first, nearest next; usable ones before the rest. */
  const order = (region: string) => {
    const all = nodesByPreference(region, nodes);
    return [...all.filter((id) => mesh.isUsable(id)), ...all.filter((id) => !mesh.isUsable(id))];
  };

  /** Runs `call` on the preferred nodes in turn until one answers (404 may just be a node that lags). */
  async function onFirstNode<T>(region: string, call: (node: string) => Promise<T>): Promise<T> {
    let last: unknown = new AppError('unavailable', 'No storage node could be reached.');
    for (const node of order(region)) {
      try {
        return await call(node);
      } catch (error) {
        if (!(error instanceof NodeCallError) || !(error.unreachable || error.status === 404 || error.status >= 500)) throw fromNodeError(error);
        last = error.status === 404 ? new AppError('not_found', 'No such file.') : fromNodeError(error);
      }
    }
    throw last;
  }

  /** The user's quota in O(1) on the node, whatever the number of files. */
  const usageOf = (region: string, userId: string) => onFirstNode(region, (node) => client.json<UsageView>(node, 'GET', `/v1/users/${userId}/usage`));

  async function forward(req: Request, res: Response, body: Readable, name: string, mime: string, length: number | undefined): Promise<void> {
    const user = req.user!;
    const target = order(user.region).find((id) => mesh.isUsable(id));
    if (!target) throw new AppError('unavailable', 'No storage node is reachable; try again shortly.');
    const fileId = crypto.randomUUID();
    const headers: http.OutgoingHttpHeaders = { 'content-type': mime, 'x-geovault-file-name': encodeURIComponent(name) };
    if (length !== undefined) headers['content-length'] = length;
    let nodeRes: http.IncomingMessage;
    try {
      nodeRes = await client.request(target, 'PUT', `/v1/files/${user.id}/${fileId}`, { headers, body, pool: 'stream' });
      const { file } = (await readJson(target, nodeRes)) as { file: FileView };
      deps.logger.info({ userId: user.id, fileId, node: target, size: file.size }, 'file uploaded');
      res.status(201).json({ file: toClientFile(file) } satisfies UploadResponse);
    } catch (error) {
      throw fromNodeError(error);
    }
  }

  const uploadSlots = new UploadSlots(deps.uploadsPerUser);
  const takeUploadSlot: RequestHandler = async (req, res, next) => {
    const release = uploadSlots.acquire(req.user!.id);
    if (!release) {
      await drainOrClose(req, res);
      next(new AppError('too_many_uploads', `You have ${uploadSlots.perUser} uploads in progress; wait for one to finish.`, { 'Retry-After': '1' }));
      return;
    }
    res.once('close', release);
    next();
  };

  router.post('/api/files/upload', deps.requireUser, takeUploadSlot, async (req, res) => {
    try {
      await receiveUpload(req, res);
    } catch (error) {
      await drainOrClose(req, res);
      throw error;
    }
  });

  async function receiveUpload(req: Request, res: Response): Promise<void> {
    const user = req.user!;
    const declared = Number(req.headers['content-length'] ?? NaN);
    const type = req.headers['content-type'] ?? 'application/octet-stream';

    if (type.startsWith('multipart/form-data')) {
      // The node sees the file part as a chunked body: the quota can only be checked here
      // before the bytes flow (a raw body's Content-Length goes to the node, which checks it first).
      const usage = await usageOf(user.region, user.id);
      const remaining = usage.limit - usage.used;
      // Multipart framing adds well under 1 KiB; anything declared beyond that cannot fit.
      if (declared - 1024 > remaining) throw new AppError('quota_exceeded');
      await new Promise<void>((resolve, reject) => {
        let sawFile = false;
        // Browsers send UTF-8 file names; busboy's default would read them as latin1.
        let busboy: Busboy.Busboy;
        try {
          busboy = Busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 1, fields: 20, fieldSize: 4096 } });
        } catch (error) {
          // A multipart type without a boundary cannot be read at all.
          reject(new AppError('invalid_request', `Unreadable multipart body: ${(error as Error).message}`));
          return;
        }
        busboy.on('file', (field, stream, info) => {
          if (field !== 'file' || sawFile) {
            stream.resume();
            return;
          }
          sawFile = true;
          // busboy does not end its file stream when the client goes away mid-body: without
          // this the node would hold the upload (and a temp file on every replica) until idle.
          req.once('close', () => {
            if (!req.complete) stream.destroy(new Error('The client went away mid-upload.'));
          });
          const name = info.filename?.trim() || 'unnamed';
          forward(req, res, stream, name, info.mimeType || 'application/octet-stream', undefined).then(resolve, (error: unknown) => {
            req.unpipe(busboy);
            stream.resume();
            reject(error);
          });
        });
        busboy.on('error', (error) => reject(new AppError('invalid_request', `Unreadable multipart body: ${(error as Error).message}`)));
        busboy.on('close', () => {
          if (!sawFile) reject(new AppError('invalid_request', 'The multipart body has no field named "file".'));
        });
        req.pipe(busboy);
      });
      return;
    }

    const rawName = req.header('x-file-name');
    if (!rawName) throw new AppError('invalid_request', 'X-File-Name: required for a raw upload (or send multipart/form-data with a "file" field).');
    let name: string;
    try {
      name = decodeURIComponent(rawName);
    } catch {
      name = rawName;
    }
    await forward(req, res, req, name, type.split(';')[0]!.trim(), Number.isFinite(declared) ? declared : undefined);
  }

  router.get('/api/files/list', deps.requireUser, async (req, res) => {
    const user = req.user!;
    const list = parseInput(listQuerySchema, req.query, 'query');
    const query = new URLSearchParams({ sort: list.sort, order: list.order, limit: String(list.limit) });
    if (list.folder) query.set('folder', list.folder);
    if (list.cursor) query.set('cursor', list.cursor);
    const page = await onFirstNode(user.region, (node) => client.json<FileListPage>(node, 'GET', `/v1/files/${user.id}?${query}`));
    const usage = { used: page.usage.used, limit: page.usage.limit };
    res.json({ files: page.files.map(toClientFile), usage, ...(page.cursor ? { cursor: page.cursor } : {}) } satisfies FileListResponse);
  });

  router.get('/api/files/download/:id', deps.requireUser, async (req, res) => {
    const user = req.user!;
    const fileId = parseFileId(req.params.id);
    const range = req.header('range');
    const stream = await onFirstNode(user.region, (node) => client.openBlobStream(node, `/v1/files/${user.id}/${fileId}`, range ? { range } : {}));
    res.status(stream.status);
    for (const header of ['content-type', 'content-length', 'content-range', 'accept-ranges', 'etag', 'x-geovault-served-by']) {
      const value = stream.headers[header];
      if (value !== undefined) res.setHeader(header, value);
    }
    const encodedName = stream.headers['x-geovault-file-name'];
    const name = typeof encodedName === 'string' ? safeDecode(encodedName) : fileId;
    res.setHeader('Content-Disposition', attachmentDisposition(name));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    try {
      await pipeline(stream.body, exactLength(Number(stream.headers['content-length'])), res);
    } catch (error) {
      // Cut the response short too: with Content-Length sent, the client then knows it is incomplete.
      deps.logger.warn({ fileId, err: error }, 'download interrupted');
      res.destroy();
    }
  });

  router.delete('/api/files/delete/:id', deps.requireUser, async (req, res) => {
    const user = req.user!;
    const fileId = parseFileId(req.params.id);
    await onFirstNode(user.region, (node) => client.json(node, 'DELETE', `/v1/files/${user.id}/${fileId}`));
    res.json({ deleted: true, id: fileId });
  });

  router.post('/api/files/replicate/:id', deps.requireUser, async (req, res) => {
    const user = req.user!;
    const fileId = parseFileId(req.params.id);
    const result = await onFirstNode(user.region, (node) => client.json<RepairResponse>(node, 'POST', `/v1/files/${user.id}/${fileId}/repair`));
    res.json(result);
  });

  router.get('/api/user/info', deps.requireUser, async (req, res) => {
    const user = req.user!;
    const usage = await usageOf(user.region, user.id);
    res.json({
      user: { id: user.id, email: user.email, name: user.name, region: user.region },
      usage: { used: usage.used, limit: usage.limit },
      fileCount: usage.files,
    } satisfies UserInfoResponse);
  });

  return router;
}

/** Left unread after a refusal, a body this small is drained, a larger one cut. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Before refusing an upload whose body is still arriving. Most clients (browsers, fetch) that
 * are still sending when the socket closes report a network error, not our answer: a small
 * body is read to its end first, so the refusal arrives intact on a connection that stays
 * usable. A large or unannounced body is not worth reading: the answer goes at once and the
 * connection closes.
 */
async function drainOrClose(req: Request, res: Response): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (req.complete || req.destroyed) return;
  if (!(declared <= DRAIN_LIMIT_BYTES)) {
    res.setHeader('Connection', 'close');
    return;
  }
  req.unpipe();
  const drained = new Promise<void>((resolve) => {
    req.once('end', resolve);
    req.once('close', resolve);
  });
  req.resume();
  let timer: NodeJS.Timeout | undefined;
  const tooSlow = new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS)));
  await Promise.race([drained, tooSlow]);
  clearTimeout(timer);
  if (!req.complete) res.setHeader('Connection', 'close');
}

function parseFileId(value: unknown): string {
  const parsed = fileIdSchema.safeParse(value);
  if (!parsed.success) throw new AppError('invalid_request', 'id: a file id (UUID)');
  return parsed.data;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
