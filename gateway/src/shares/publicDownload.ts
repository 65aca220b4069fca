import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ItemView } from '../../../node/src/api/tree';
import { attachmentDisposition } from '../files/contentDisposition';
import { downloadPresentation } from '../previews/inlineTypes';
import { relayBlobStream, type BlobStream } from '../files/fileDownload';
import { writeFolderZip } from '../files/folderZip';
import type { NodeRouting } from '../files/nodeRouting';
import type { TreeClient } from '../files/treeClient';
import { fromNodeError } from '../files/nodeErrors';
import { AppError } from '../errors';
import type { NodeClient } from '../mesh/nodeClient';
import type { DownloadLimits, DownloadTicket } from './downloadLimits';
import { linkNotFound, type LiveShare } from './shareAccess';

/** What a visitor's download sees of the node's answer: no node names, no internal headers. */
const PUBLIC_DOWNLOAD_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'etag'];
const ZIP_WALK_PAGE = 200;

export interface PublicDownloadDeps {
  client: NodeClient;
  routing: NodeRouting;
  tree: TreeClient;
  limits: DownloadLimits;
  logger: Logger;
}

/**
 * Whether a response of a file counts against the link's download limit. A whole file counts,
 * and so does a Range answer that reaches the file's last byte: a player streaming audio or
 * video asks for many ranges as it plays and seeks, and only the one that ends the file means
 * the visitor has (or can assemble) all of it, so a watched video counts once, a seek in its
 * middle does not. A HEAD sends no bytes and never counts.
 */
export function countsAsDownload(method: string, stream: Pick<BlobStream, 'status' | 'headers'>): boolean {
  if (method === 'HEAD') return false;
  if (stream.status === 200) return true;
  if (stream.status !== 206) return false;
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(stream.headers['content-range'] ?? ''));
  return match !== null && Number(match[2]) === Number(match[3]) - 1;
}

/**
 * Downloads through a link: a file (Range passed on, so media streams), a preview of a safe
 * type inline, or a folder as a zip (which counts as one download once its last byte is out).
 */
export function createPublicDownload(deps: PublicDownloadDeps) {
  async function file(req: Request, res: Response, live: LiveShare, item: ItemView, inline: boolean): Promise<void> {
    const range = req.header('range');
    const stream = await deps.routing.onFirstNode(live.region, (node) =>
      deps.client.openBlobStream(node, `/v1/files/${live.ownerId}/${item.id}`, range ? { range } : {}),
    );
    let ticket: DownloadTicket | undefined;
    if (countsAsDownload(req.method, stream)) {
      ticket = deps.limits.reserve(live.share);
      if (!ticket) {
        stream.body.destroy();
        throw linkNotFound();
      }
    }
    // The file manager's rule for previews: safe types inline, everything sandboxed.
    const shown = downloadPresentation(item.mime, item.name, inline);
    const sent = await relayBlobStream(res, stream, { headers: PUBLIC_DOWNLOAD_HEADERS, disposition: shown.disposition, overrides: shown.overrides });
    if (sent.complete) await ticket?.complete();
    else {
      ticket?.cancel();
      deps.logger.warn({ shareId: live.share.id, err: sent.error }, 'shared download interrupted');
    }
  }

  async function folderZip(req: Request, res: Response, live: LiveShare, folder: ItemView): Promise<void> {
    // One node for the whole walk: its cursor means something only to the node that made it.
    const { node } = await deps.routing.onFirstNode(live.region, async (candidate) => ({
      node: candidate,
      page: await deps.tree.folderPage(candidate, live.ownerId, folder.id, { sort: 'name', order: 'asc', limit: 1 }),
    }));
    const ticket = req.method === 'HEAD' ? undefined : deps.limits.reserve(live.share);
    if (req.method !== 'HEAD' && !ticket) throw linkNotFound();
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', attachmentDisposition(`${folder.name}.zip`));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (!ticket) {
      res.end();
      return;
    }
    const log = deps.logger.child({ shareId: live.share.id });
    try {
      const result = await writeFolderZip(
        {
          walk: (cursor) => deps.tree.walk(node, live.ownerId, folder.id, { limit: ZIP_WALK_PAGE, ...(cursor ? { cursor } : {}) }),
          open: async (entry) => {
            const stream = await deps.routing.onFirstNode(live.region, (n) => deps.client.openBlobStream(n, `/v1/files/${live.ownerId}/${entry.id}`));
            return { body: stream.body, length: Number(stream.headers['content-length']) };
          },
        },
        res,
      );
      await ticket.complete();
      log.info(result, 'shared folder zip sent');
    } catch (error) {
      ticket.cancel();
      log.warn({ err: error, sent: res.headersSent }, 'shared folder zip interrupted');
      if (!res.headersSent) {
        for (const header of ['Content-Type', 'Content-Disposition', 'X-Content-Type-Options']) res.removeHeader(header);
        const known = fromNodeError(error);
        throw known instanceof AppError ? known : new AppError('unavailable', 'The folder could not be read; try again.');
      }
      res.destroy();
    }
  }

  return { file, folderZip };
}
