import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BLOB_STREAM_PROTOCOL, STREAM_STATUS_HEADER } from '../api/files';
import type { ReplicationContext } from '../replication/replicationContext';
import { AppError, errorBody, knownError } from './errors';
import { contentQuery, liveEntry, openDownload, type DownloadAnswer } from './fileDownload';

const FILE_PATH = /^\/v1\/files\/([^/?]+)\/([^/?]+)$/;

/** Whether an upgrade request is for a file's raw byte stream (its signature is checked before). */
export function isBlobStreamPath(pathname: string): boolean {
  return FILE_PATH.test(pathname);
}

function head(status: number, headers: Record<string, string>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('')}\r\n`;
}

/**
 * Serves `GET /v1/files/:userId/:fileId` as a raw byte stream (BLOB_STREAM_PROTOCOL in
 * api/files.ts): the same checks and headers as the HTTP download, then the bytes straight
 * onto the socket. A refusal is an ordinary HTTP error answer, and the connection closes.
 */
export function serveBlobStream(ctx: ReplicationContext, request: IncomingMessage, socket: Duplex): void {
  void (async () => {
    let answer: DownloadAnswer;
    try {
      if (request.method !== 'GET' || request.headers.upgrade?.toLowerCase() !== BLOB_STREAM_PROTOCOL) {
        throw new AppError('invalid_request', `Only GET with "Upgrade: ${BLOB_STREAM_PROTOCOL}" streams a file.`);
      }
      const [path, query] = (request.url ?? '').split('?');
      const [, userId, fileId] = FILE_PATH.exec(path!) ?? [];
      answer = await openDownload(ctx, liveEntry(ctx, { userId, fileId }, contentQuery(query)), request.headers.range);
    } catch (error) {
      const refusal = knownError(error) ?? new AppError('internal');
      if (refusal.code === 'internal') ctx.logger.error({ err: error, url: request.url }, 'blob stream failed');
      const body = JSON.stringify(errorBody(refusal.code, refusal.message));
      socket.end(
        head(refusal.status, { ...refusal.headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' }) + body,
      );
      return;
    }
    socket.write(head(101, { Connection: 'Upgrade', Upgrade: BLOB_STREAM_PROTOCOL, [STREAM_STATUS_HEADER]: String(answer.status), ...answer.headers }));
    if (!answer.body) {
      socket.end();
      return;
    }
    try {
      await pipeline(answer.body, socket);
    } catch (error) {
      // The receiver counts against Content-Length, so a stream cut short is noticed there.
      ctx.logger.warn({ url: request.url, err: error }, 'blob stream interrupted');
      socket.destroy();
    }
  })();
}
