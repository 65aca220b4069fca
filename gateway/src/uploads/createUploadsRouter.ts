import crypto from 'node:crypto';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { UploadView } from '../../../node/src/api/uploads';
import { ROOT_ALIAS } from '../../../node/src/api/tree';
import type { NodeSpec } from '../../../node/src/config/clusterConfig';
import { AppError } from '../errors';
import { NodeRouting } from '../files/nodeRouting';
import { TreeClient } from '../files/treeClient';
import { parseRelativePath } from '../files/uploadPlacement';
import type { UploadSlots } from '../files/uploadSlots';
import { drainOrClose } from '../http/drainOrClose';
import { perUserRateLimit, type WriteLimit } from '../http/perUserRateLimit';
import type { MeshMonitor } from '../mesh/meshMonitor';
import type { NodeClient } from '../mesh/nodeClient';
import { MeshUploads, type UploadOwner } from './meshUploads';
import { progressHeaders, toTusError, TUS_DISCOVERY_HEADERS, uploadHeaders } from './tusAnswers';
import { parseCreationHeaders, parsePatchHeaders, speaksTus, TUS_RESUMABLE, uploadIdSchema, type CreationMetadata, type PatchHeaders } from './tusProtocol';

/** Where the tus server lives (DESIGN §8); an upload's URL is this path and its id. */
export const TUS_PATH = '/api/uploads';

/** Creations per user and minute: each reserves quota on the nodes (a folder of many files is many). */
export const DEFAULT_CREATION_LIMIT: WriteLimit = { limit: 1200, windowMs: 60_000 };

export interface UploadsRouterDeps {
  client: NodeClient;
  mesh: MeshMonitor;
  nodes: ReadonlyMap<string, NodeSpec>;
  requireUser: RequestHandler;
  /** Bodies in flight per user, shared with POST /api/files/upload (DESIGN §9). */
  uploadSlots: UploadSlots;
  creationLimit?: WriteLimit;
  logger: Logger;
}

const NO_SUCH_UPLOAD = 'No such upload.';

/**
 * The tus 1.0 server (creation, creation-with-upload, termination, expiration, checksum) over
 * the nodes' uploads API. Hand-written rather than @tus/server: see README "Resumable uploads".
 * Every request needs the session (and the CSRF token with the cookie); every node path carries
 * the signed-in user's id, so another user's upload is simply not found. Bytes stream from the
 * client's socket to a holder's socket with Node's backpressure: nothing is buffered or kept
 * here, and any gateway continues any upload.
 */
export function createUploadsRouter(deps: UploadsRouterDeps): express.Router {
  const router = express.Router();
  const routing = new NodeRouting(deps.mesh, deps.nodes);
  const uploads = new MeshUploads(deps.client, routing, (node) => deps.mesh.isUsable(node));
  const tree = new TreeClient(deps.client);
  const { logger } = deps;

  // Every answer of the tus server names its version, refusals included.
  router.use(TUS_PATH, (_req, res, next) => {
    res.setHeader('Tus-Resumable', TUS_RESUMABLE);
    next();
  });
  const speaksOurTus: RequestHandler = (req, _res, next) => {
    if (!speaksTus(req.headers)) throw new AppError('tus_version', undefined, { 'Tus-Version': TUS_RESUMABLE });
    next();
  };
  const tus = [deps.requireUser, speaksOurTus];

  router.options([TUS_PATH, `${TUS_PATH}/:id`], deps.requireUser, (_req, res) => {
    res.set(TUS_DISCOVERY_HEADERS).status(204).end();
  });

  /** A body's slot, held until its connection closes; 429 when the user has none left. */
  function takeSlot(req: Request, res: Response): void {
    const release = deps.uploadSlots.acquire(req.user!.id);
    if (!release) throw new AppError('too_many_uploads', `You have ${deps.uploadSlots.perUser} uploads in progress; wait for one to finish.`, { 'Retry-After': '1' });
    res.once('close', release);
  }

  /** A refusal of a request whose body is still arriving: read a small one out first (drainOrClose). */
  const refusingBody =
    (handler: (req: Request, res: Response) => Promise<void>): RequestHandler =>
    async (req, res) => {
      try {
        await handler(req, res);
      } catch (error) {
        await drainOrClose(req, res);
        throw toTusError(error);
      }
    };

  /** Sends the chunk on to a holder; a client that goes away mid-body cuts the node's request too. */
  async function writeChunk(owner: UploadOwner, uploadId: string, chunk: PatchHeaders, req: Request): Promise<UploadView> {
    const gone = new AbortController();
    const onClose = () => {
      if (!req.complete) gone.abort();
    };
    req.once('close', onClose);
    try {
      return await uploads.write(owner, uploadId, { ...chunk, body: req, signal: gone.signal });
    } finally {
      req.off('close', onClose);
    }
  }

  /** The nodes have every byte but no file yet (the coordinator died at the end): finish it. */
  async function finished(owner: UploadOwner, upload: UploadView): Promise<UploadView> {
    if (upload.offset < upload.length || upload.completed) return upload;
    const done = await uploads.complete(owner, upload.id);
    logger.info({ userId: owner.id, uploadId: upload.id, itemId: done.completed?.itemId }, 'resumable upload completed');
    return done;
  }

  /** A folder upload's folders, made (or found) on the node that then takes the creation. */
  async function placeIn(owner: UploadOwner, metadata: CreationMetadata): Promise<{ folderId: string | null; on?: string }> {
    const folder = metadata.folder ?? ROOT_ALIAS;
    const folders = metadata.relativePath === undefined ? [] : parseRelativePath(metadata.relativePath).folders;
    if (folders.length === 0) return { folderId: folder === ROOT_ALIAS ? null : folder };
    return routing.onWriteNode(owner.region, async (node) => {
      const { item } = await tree.ensurePath(node, owner.id, { parentId: folder, path: folders });
      return { folderId: item.id, on: node };
    });
  }

  const creationLimit = perUserRateLimit(deps.creationLimit ?? DEFAULT_CREATION_LIMIT, logger);
  router.post(
    TUS_PATH,
    ...tus,
    creationLimit,
    refusingBody(async (req, res) => {
      const owner = ownerOf(req);
      const { length, metadata } = parseCreationHeaders(req.headers);
      const chunk = carriesBody(req) ? parsePatchHeaders(req.headers, { needsOffset: false }) : undefined;
      if (chunk?.contentLength !== undefined && chunk.contentLength > length) throw new AppError('payload_too_large', 'The body is longer than Upload-Length.');
      if (chunk) takeSlot(req, res);
      const place = await placeIn(owner, metadata);
      const request = {
        uploadId: crypto.randomUUID(),
        length,
        filename: metadata.filename,
        folderId: place.folderId,
        filetype: metadata.filetype ?? null,
        onConflict: metadata.onConflict ?? 'version',
        ...(metadata.sha256 ? { sha256: metadata.sha256 } : {}),
      } as const;
      let upload = await uploads.create(owner, request, place.on);
      logger.info({ userId: owner.id, uploadId: upload.id, length, holders: upload.holders }, 'resumable upload created');
      res.setHeader('Location', `${TUS_PATH}/${upload.id}`);
      if (chunk && chunk.contentLength !== 0) {
        try {
          upload = await writeChunk(owner, upload.id, chunk, req);
        } catch (error) {
          // The upload exists: answer its URL and what the nodes kept, the client resumes from there.
          if (req.destroyed) throw error;
          logger.warn({ err: error, uploadId: upload.id }, 'the bytes of a creation were not all kept');
          await drainOrClose(req, res);
          upload = await uploads.get(owner, upload.id);
        }
      }
      // A file of no bytes gets no PATCH (tus clients stop after the creation): it is done now.
      upload = await finished(owner, upload);
      res.set(progressHeaders(upload)).status(201).end();
    }),
  );

  router.head(`${TUS_PATH}/:id`, ...tus, async (req, res) => {
    const owner = ownerOf(req);
    try {
      const upload = await finished(owner, await uploads.get(owner, parseUploadId(req.params.id)));
      res.set(uploadHeaders(upload)).status(200).end();
    } catch (error) {
      throw toTusError(error);
    }
  });

  router.patch(
    `${TUS_PATH}/:id`,
    ...tus,
    refusingBody(async (req, res) => {
      const owner = ownerOf(req);
      const uploadId = parseUploadId(req.params.id);
      const chunk = parsePatchHeaders(req.headers, { needsOffset: true });
      takeSlot(req, res);
      // The node checks the offset (409 with the current one), the length (413) and the owner
      // (404) as it takes the bytes: nothing to ask before sending them.
      const upload = await finished(owner, await writeChunk(owner, uploadId, chunk, req));
      res.set(progressHeaders(upload)).status(204).end();
    }),
  );

  router.delete(`${TUS_PATH}/:id`, ...tus, async (req, res) => {
    const owner = ownerOf(req);
    const uploadId = parseUploadId(req.params.id);
    try {
      await uploads.remove(owner, uploadId);
    } catch (error) {
      throw toTusError(error);
    }
    logger.info({ userId: owner.id, uploadId }, 'resumable upload terminated');
    res.status(204).end();
  });

  return router;
}

function ownerOf(req: Request): UploadOwner {
  return { id: req.user!.id, region: req.user!.region };
}

/** An id that is not one the gateway could have made is simply not found. */
function parseUploadId(value: unknown): string {
  const parsed = uploadIdSchema.safeParse(value);
  if (!parsed.success) throw new AppError('not_found', NO_SUCH_UPLOAD);
  return parsed.data;
}

const lengthHeader = z.coerce.number().int().positive();

/** Creation-with-upload: a POST that carries bytes (announced, or chunked). */
function carriesBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  return lengthHeader.safeParse(req.headers['content-length']).success;
}
