import type { Readable } from 'node:stream';
import type { FileEntry } from '../api/files';
import type { UploadConflict } from '../api/tree';

/** An upload as the node API hands it to the coordinator. */
export interface UploadRequest {
  userId: string;
  fileId: string;
  name: string;
  /** The folder the file goes in (checked before the bytes stream, and again at commit). */
  parentId: string;
  /** What to do when the name is taken in that folder by the time the file is committed. */
  onConflict: UploadConflict;
  mime: string;
  /** From Content-Length; undefined for a chunked body. */
  contentLength: number | undefined;
  body: Readable;
  signal: AbortSignal;
}

/** The entry of a file just uploaded, once its size and hash are known. */
export function newFileEntry(request: Pick<UploadRequest, 'fileId' | 'userId' | 'name' | 'parentId' | 'mime'>, size: number, sha256: string, opts: { inline?: boolean } = {}): FileEntry {
  const now = new Date().toISOString();
  return {
    fileId: request.fileId,
    ownerId: request.userId,
    name: request.name,
    parentId: request.parentId,
    size,
    sha256,
    mime: request.mime,
    createdAt: now,
    modifiedAt: now,
    ...(opts.inline ? { inline: true } : {}),
    deleted: false,
  };
}
