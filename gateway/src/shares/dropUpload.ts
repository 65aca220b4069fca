import crypto from 'node:crypto';
import type http from 'node:http';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { FileView } from '../../../node/src/api/files';
import { ON_CONFLICT_HEADER, PARENT_ID_HEADER } from '../../../node/src/api/tree';
import type { PublicUploadResponse } from '../api/shares';
import { AppError } from '../errors';
import { fromNodeError } from '../files/nodeErrors';
import type { NodeRouting } from '../files/nodeRouting';
import { checkFileName } from '../files/uploadPlacement';
import { UploadSlots } from '../files/uploadSlots';
import { readJson, type NodeClient } from '../mesh/nodeClient';
import type { LiveShare } from './shareAccess';

export interface DropUploadDeps {
  client: NodeClient;
  routing: NodeRouting;
  /** Drop uploads in flight per owner, whoever sends them. */
  perOwner: number;
  logger: Logger;
}

/**
 * POST /api/public/shares/:token/upload on an upload-only link: the raw body is the file,
 * named by X-File-Name (percent-encoded UTF-8), typed by Content-Type, with a Content-Length
 * (required: the owner's node checks the owner's quota against it before the first byte, and
 * stops the stream at it). It lands in the shared folder, counted in the owner's quota, and a
 * name already there gives `name (1).ext`: a stranger never overwrites or versions the owner's
 * files.
 */
export function createDropUpload(deps: DropUploadDeps) {
  const slots = new UploadSlots(deps.perOwner);

  return async function dropUpload(req: Request, res: Response, live: LiveShare): Promise<void> {
    const release = slots.acquire(live.ownerId);
    if (!release) {
      await drainOrClose(req, res);
      throw new AppError('too_many_uploads', 'This folder is taking other uploads right now; try again in a moment.', { 'Retry-After': '2' });
    }
    res.once('close', release);
    try {
      const length = Number(req.headers['content-length']);
      if (!Number.isSafeInteger(length) || length < 0) throw new AppError('invalid_request', 'Content-Length: required (send the file as the raw body)');
      const rawName = req.header('x-file-name');
      if (!rawName) throw new AppError('invalid_request', 'X-File-Name: required');
      const name = checkFileName(safeDecode(rawName).trim());
      const mime = (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim() || 'application/octet-stream';
      const target = deps.routing.writeTarget(live.region);
      const fileId = crypto.randomUUID();
      const headers: http.OutgoingHttpHeaders = {
        'content-type': mime,
        'content-length': length,
        'x-geovault-file-name': encodeURIComponent(name),
        [PARENT_ID_HEADER]: live.share.itemId,
        [ON_CONFLICT_HEADER]: 'rename',
      };
      let file: FileView;
      try {
        const nodeRes = await deps.client.request(target, 'PUT', `/v1/files/${live.ownerId}/${fileId}`, { headers, body: req, pool: 'stream' });
        ({ file } = (await readJson(target, nodeRes)) as { file: FileView });
      } catch (error) {
        throw fromNodeError(error);
      }
      deps.logger.info({ shareId: live.share.id, ownerId: live.ownerId, fileId, size: file.size }, 'file dropped through a share link');
      res.status(201).json({ file: { name: file.name, size: file.size } } satisfies PublicUploadResponse);
    } catch (error) {
      await drainOrClose(req, res);
      throw error;
    }
  };
}

/** A refused body this small is read to its end first, a larger one cut (as the files API does). */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Before refusing a body still arriving: browsers that are still sending when the socket
 * closes report a network error instead of the answer, so a small body is read to its end and
 * the refusal arrives intact; a large or slow one is cut (the connection closes after the answer).
 */
async function drainOrClose(req: Request, res: Response): Promise<void> {
  if (req.complete || req.destroyed || res.headersSent) return;
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (!(declared <= DRAIN_LIMIT_BYTES)) {
    res.setHeader('Connection', 'close');
    return;
  }
  req.unpipe();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise<void>((resolve) => {
      req.once('end', resolve);
      req.once('close', resolve);
      req.resume();
    }),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (!req.complete) res.setHeader('Connection', 'close');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
