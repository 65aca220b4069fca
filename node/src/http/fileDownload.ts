import type { Readable } from 'node:stream';
import { z } from 'zod';
import { FILE_NAME_HEADER, SERVED_BY_HEADER, type FileEntry } from '../api/files';
import { isUuid } from '../storage/layout';
import { openFile } from '../replication/downloads';
import type { ReplicationContext } from '../replication/replicationContext';
import { parseByteRange } from './byteRange';
import { AppError } from './errors';
import { parseInput } from './validate';

export const fileIdsSchema = z.object({
  userId: z.string().refine(isUuid, 'a lower-case UUID'),
  fileId: z.string().refine(isUuid, 'a lower-case UUID'),
});

/** Whether a download asks for the content of that id itself (EXACT_CONTENT_QUERY). */
export function contentQuery(query: string | undefined): { exact: boolean } {
  return { exact: new URLSearchParams(query ?? '').get('content') === 'exact' };
}

/**
 * The live entry that path ids name: a file item's current content, or with `exact` the content
 * of that id. 400 for ids that are not UUIDs, 404 for no such file.
 */
export function liveEntry(ctx: ReplicationContext, ids: unknown, opts: { exact?: boolean } = {}): FileEntry {
  const { userId, fileId } = parseInput(fileIdsSchema, ids, 'path');
  const entry = opts.exact ? ctx.catalog.entry(userId, fileId) : ctx.tree.currentEntry(userId, fileId);
  if (!entry) throw new AppError('not_found', `No file ${fileId}.`);
  return entry;
}

/** What a download answers, whether over HTTP or as a raw byte stream. */
export interface DownloadAnswer {
  status: 200 | 206;
  headers: Record<string, string>;
  /** Undefined when there are no bytes to send (an empty file). */
  body: Readable | undefined;
}

/**
 * Opens a file, or the byte range asked for, from this node's replica or the nearest peer's,
 * and says how to answer. Throws AppError: 416 (with Content-Range) for a range outside the
 * file, 503 when no stored replica can be reached.
 */
export async function openDownload(ctx: ReplicationContext, entry: FileEntry, rangeHeader: string | undefined): Promise<DownloadAnswer> {
  const range = parseByteRange(rangeHeader, entry.size);
  if (range.kind === 'unsatisfiable') {
    throw new AppError('range_not_satisfiable', undefined, { 'Content-Range': `bytes */${entry.size}` });
  }
  const byteRange = range.kind === 'partial' ? { start: range.start, end: range.end } : undefined;
  const partial = byteRange !== undefined && !(byteRange.start === 0 && byteRange.end === entry.size - 1);
  const opened = entry.size === 0 ? undefined : await openFile(ctx, entry, byteRange);
  if (!opened && entry.size > 0) throw new AppError('unavailable');
  const headers: Record<string, string> = {
    'Content-Type': entry.mime,
    'Accept-Ranges': 'bytes',
    ETag: `"${entry.sha256}"`,
    'Content-Length': String(byteRange ? byteRange.end - byteRange.start + 1 : entry.size),
    [SERVED_BY_HEADER]: opened?.servedBy ?? ctx.self,
    [FILE_NAME_HEADER]: encodeURIComponent(entry.name),
  };
  if (partial) headers['Content-Range'] = `bytes ${byteRange.start}-${byteRange.end}/${entry.size}`;
  return { status: partial ? 206 : 200, headers, body: opened?.stream };
}
