import type { Readable } from 'node:stream';
import type { Pace } from './throttle';

/** The shapes BlobStore takes and returns, importable without pulling in fs code. */
export interface WriteOptions {
  readonly maxBytes?: number;
  readonly expectedSize?: number;
  /** Hex SHA-256, either case. */
  readonly expectedSha256?: string;
  readonly signal?: AbortSignal;
}
export interface WriteResult {
  readonly size: number;
  readonly sha256: string;
}
/** Inclusive on both ends, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}
export interface OpenedBlob {
  /** Closes its file descriptor when it ends or is destroyed: always consume or destroy it. */
  readonly stream: Readable;
  /** The whole blob's size (for Content-Range). */
  readonly size: number;
  readonly start: number;
  /** Inclusive; `start - 1` for an empty blob. */
  readonly end: number;
  readonly length: number;
}
export interface BlobEntry {
  readonly userId: string;
  readonly fileId: string;
  readonly size: number;
  /** Last modification, so that sweeps can tell a fresh upload from an old orphan. */
  readonly mtimeMs: number;
}
export interface HashOptions {
  /** Average read rate; unlimited when absent. */
  readonly bytesPerSecond?: number;
  readonly signal?: AbortSignal;
  readonly pace?: Pace;
}
