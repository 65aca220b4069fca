import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { exactLength } from './exactLength';

/** A node's answer to GET /v1/files/:userId/:fileId as NodeClient.openBlobStream gives it. */
export interface BlobStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Duplex;
}

/** The node's headers a download passes on to the client, as the node set them. */
export const DOWNLOAD_HEADERS: readonly string[] = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'etag', 'x-geovault-served-by'];

export interface RelayOptions {
  /** The Content-Disposition the client gets (attachment with the file's name, usually). */
  disposition: string;
  /** Which of the node's headers go on (DOWNLOAD_HEADERS unless told). */
  headers?: readonly string[];
  /** Set after the node's headers, so they win (a Content-Type chosen for an inline preview). */
  overrides?: Readonly<Record<string, string>>;
}

export interface RelayResult {
  /** Every announced byte went out. */
  complete: boolean;
  error?: unknown;
}

/**
 * Streams a node's byte stream to the client with its status and headers, never sniffed.
 * Exactly Content-Length bytes go out: a node stream that breaks or ends early cuts the
 * response short too, so that the client knows it is incomplete (never resolves with a
 * shortened "complete" body).
 */
export async function relayBlobStream(res: Response, stream: BlobStream, options: RelayOptions): Promise<RelayResult> {
  res.status(stream.status);
  for (const header of options.headers ?? DOWNLOAD_HEADERS) {
    const value = stream.headers[header];
    if (value !== undefined) res.setHeader(header, value);
  }
  res.setHeader('Content-Disposition', options.disposition);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  for (const [header, value] of Object.entries(options.overrides ?? {})) res.setHeader(header, value);
  try {
    await pipeline(stream.body, exactLength(Number(stream.headers['content-length'])), res);
    return { complete: true };
  } catch (error) {
    res.destroy();
    return { complete: false, error };
  }
}

/** The file's name as the node sent it (percent-encoded), or `fallback`. */
export function blobFileName(stream: BlobStream, fallback: string): string {
  const encoded = stream.headers['x-geovault-file-name'];
  if (typeof encoded !== 'string') return fallback;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}
