import crypto from 'node:crypto';
import type http from 'node:http';
import type { Readable } from 'node:stream';
import Busboy from 'busboy';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { listQuerySchema, type FileListPage, type FileView, type UsageView } from '../../../node/src/api/files';
import { folderQuerySchema, folderRefSchema, ON_CONFLICT_HEADER, PARENT_ID_HEADER, ROOT_ALIAS, type UploadConflict } from '../../../node/src/api/tree';
import type { NodeSpec } from '../../../node/src/config/clusterConfig';
import { AppError } from '../errors';
import { drainOrClose } from '../http/drainOrClose';
import { parseInput } from '../http/parseInput';
import type { ClientFile, FileListResponse, FolderListResponse, RepairResponse, UploadResponse, UserInfoResponse } from '../api/files';
import type { MeshMonitor } from '../mesh/meshMonitor';
import { readJson, type NodeClient } from '../mesh/nodeClient';
import { blobFileName, relayBlobStream } from './fileDownload';
import { toClientFileOfItem, toClientItem, toClientUsage, toPathStep } from './itemViews';
import { fromNodeError } from './nodeErrors';
import { NodeRouting } from './nodeRouting';
import { TreeClient } from './treeClient';
import { downloadPresentation } from '../previews/inlineTypes';
import { checkFileName, parseRelativePath, uploadQuerySchema } from './uploadPlacement';
import { UploadSlots } from './uploadSlots';

export interface FilesRouterDeps {
  client: NodeClient;
  mesh: MeshMonitor;
  nodes: ReadonlyMap<string, NodeSpec>;
  requireUser: RequestHandler;
  /** Uploads one user may have in flight (DESIGN §9). */
  uploadsPerUser: number;
  /** Shared with the resumable uploads, so that the cap is per user, not per route. */
  uploadSlots?: UploadSlots;
  logger: Logger;
}

const fileIdSchema = z.uuid({ error: 'a file id (UUID)' });
/** GET /api/files/download/:id?inline=1: a preview in the page rather than a download. */
const downloadQuerySchema = z.object({ inline: z.enum(['0', '1']).optional().transform((v) => v === '1') });
/** GET /api/files/list?folder=: one page of a folder of the tree, by name unless asked otherwise. */
const folderListQuerySchema = folderQuerySchema.extend({ folder: folderRefSchema });

/** A file by its item's id: a new version's own content id stays inside the mesh. */
function toClientFile(view: FileView): ClientFile {
  return { id: view.itemId ?? view.fileId, name: view.name, size: view.size, sha256: view.sha256, mime: view.mime, createdAt: view.createdAt, replicas: view.replicas };
}

/** Where an upload goes: a folder (`root` or an id) and what a name already taken there does. */
interface UploadPlace {
  folder?: string;
  onConflict?: UploadConflict;
}

/**
 * The files API (DESIGN §7) over the mesh. Bytes stream straight through: the gateway never
 * holds a whole file in memory or on disk. Every node path includes the signed-in user's id,
 * so another user's file id simply is not found (404).
 */
export function createFilesRouter(deps: FilesRouterDeps): express.Router {
  const { client } = deps;
  const router = express.Router();
  const routing = new NodeRouting(deps.mesh, deps.nodes);
  const tree = new TreeClient(client);
  const onFirstNode = <T>(region: string, call: (node: string) => Promise<T>) => routing.onFirstNode(region, call);

  /** The user's quota in O(1) on the node, whatever the number of files. */
  const usageOf = (region: string, userId: string) => onFirstNode(region, (node) => client.json<UsageView>(node, 'GET', `/v1/users/${userId}/usage`));

  /** The node's file view with its folder as the API names it (the root is `root`). */
  const uploadedFile = (view: FileView, userId: string): ClientFile => ({
    ...toClientFile(view),
    parentId: view.parentId === undefined || view.parentId === userId ? ROOT_ALIAS : view.parentId,
  });

  async function forward(req: Request, res: Response, body: Readable, name: string, mime: string, length: number | undefined, place: UploadPlace, target: string): Promise<void> {
    const user = req.user!;
    const fileId = crypto.randomUUID();
    const headers: http.OutgoingHttpHeaders = { 'content-type': mime, 'x-geovault-file-name': encodeURIComponent(name) };
    if (length !== undefined) headers['content-length'] = length;
    if (place.folder !== undefined) headers[PARENT_ID_HEADER] = place.folder;
    if (place.onConflict !== undefined) headers[ON_CONFLICT_HEADER] = place.onConflict;
    let nodeRes: http.IncomingMessage;
    try {
      nodeRes = await client.request(target, 'PUT', `/v1/files/${user.id}/${fileId}`, { headers, body, pool: 'stream' });
      const { file } = (await readJson(target, nodeRes)) as { file: FileView };
      deps.logger.info({ userId: user.id, fileId, node: target, size: file.size, parentId: file.parentId }, 'file uploaded');
      res.status(201).json({ file: uploadedFile(file, user.id) } satisfies UploadResponse);
    } catch (error) {
      throw fromNodeError(error);
    }
  }

  /**
   * The node and folder a file of a folder upload goes to: the folders of its relativePath are
   * made (or found) first, on the node that will take the upload, so that it knows them.
   */
  async function placeInFolders(req: Request, place: UploadPlace, folders: string[]): Promise<{ place: UploadPlace; target: string }> {
    const user = req.user!;
    if (folders.length === 0) return { place, target: routing.writeTarget(user.region) };
    const parentId = place.folder ?? ROOT_ALIAS;
    return routing.onWriteNode(user.region, async (node) => {
      const { item } = await tree.ensurePath(node, user.id, { parentId, path: folders });
      return { place: { ...place, folder: item.id }, target: node };
    });
  }

  const uploadSlots = deps.uploadSlots ?? new UploadSlots(deps.uploadsPerUser);
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
    const place: UploadPlace = parseInput(uploadQuerySchema, req.query, 'query');

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
        // A folder upload names the file's place in the folder (`photos/2024/a.jpg`) in a field
        // sent before the file: fields after it arrive too late to place the bytes.
        let relativePath: string | undefined;
        busboy.on('field', (field, value) => {
          if (field === 'relativePath' && !sawFile) relativePath = value;
        });
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
          const mime = info.mimeType || 'application/octet-stream';
          const upload = async () => {
            const placement = relativePath !== undefined ? parseRelativePath(relativePath) : { folders: [], name: checkFileName(info.filename?.trim() || 'unnamed') };
            // Until the folders exist the file's bytes wait in the socket (busboy backpressure).
            const { place: into, target } = await placeInFolders(req, place, placement.folders);
            await forward(req, res, stream, placement.name, mime, undefined, into, target);
          };
          upload().then(resolve, (error: unknown) => {
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
    checkFileName(name);
    await forward(req, res, req, name, type.split(';')[0]!.trim(), Number.isFinite(declared) ? declared : undefined, place, routing.writeTarget(user.region));
  }

  router.get('/api/files/list', deps.requireUser, async (req, res) => {
    const user = req.user!;
    if (req.query.folder !== undefined) {
      const query = parseInput(folderListQuerySchema, req.query, 'query');
      const page = await routing.onFirstNode(user.region, (node) => tree.folderPage(node, user.id, query.folder, query), 'No such folder.');
      const items = page.items.map(toClientItem);
      res.json({
        folder: { id: page.folder.id, name: page.folder.name, path: page.folder.path.map(toPathStep) },
        items,
        files: page.items.filter((item) => item.kind === 'file').map(toClientFileOfItem),
        usage: toClientUsage(page.usage),
        ...(page.cursor ? { cursor: page.cursor } : {}),
      } satisfies FolderListResponse);
      return;
    }
    // The seed's call, kept as it was for old clients: the root's files, newest first.
    const list = parseInput(listQuerySchema, req.query, 'query');
    const query = new URLSearchParams({ sort: list.sort, order: list.order, limit: String(list.limit) });
    if (list.cursor) query.set('cursor', list.cursor);
    const page = await onFirstNode(user.region, (node) => client.json<FileListPage>(node, 'GET', `/v1/files/${user.id}?${query}`));
    const usage = { used: page.usage.used, limit: page.usage.limit };
    res.json({ files: page.files.map(toClientFile), usage, ...(page.cursor ? { cursor: page.cursor } : {}) } satisfies FileListResponse);
  });

  router.get('/api/files/download/:id', deps.requireUser, async (req, res) => {
    const user = req.user!;
    const fileId = parseFileId(req.params.id);
    const { inline } = parseInput(downloadQuerySchema, req.query, 'query');
    const range = req.header('range');
    const stream = await onFirstNode(user.region, (node) => client.openBlobStream(node, `/v1/files/${user.id}/${fileId}`, range ? { range } : {}));
    // ?inline=1 (previews) shows the file in the page, only for types that cannot act as the page.
    const shown = downloadPresentation(stream.headers['content-type'], blobFileName(stream, fileId), inline);
    const sent = await relayBlobStream(res, stream, shown);
    // Cut short (relayBlobStream destroyed the response): with Content-Length sent, the client knows.
    if (!sent.complete) deps.logger.warn({ fileId, err: sent.error }, 'download interrupted');
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
      usage: toClientUsage(usage),
      fileCount: usage.files,
    } satisfies UserInfoResponse);
  });

  return router;
}

function parseFileId(value: unknown): string {
  const parsed = fileIdSchema.safeParse(value);
  if (!parsed.success) throw new AppError('invalid_request', 'id: a file id (UUID)');
  return parsed.data;
}
