import type { Readable } from 'node:stream';
import type { Pace } from './throttle';
import type { SealedFingerprint } from './encryption/sealedCopy';

/** The shapes BlobStore takes and returns, importable without pulling in fs code. */
export interface WriteOptions {
  readonly maxBytes?: number;
  readonly expectedSize?: number;
  /** Hex SHA-256, either case. */
  readonly expectedSha256?: string;
  readonly signal?: AbortSignal;
  /**
   * What the source is (encryption/blobIngest.ts): the file's plaintext, an encrypted blob (a
   * replica: stored as it comes, every tag checked, size and hash taken of its plaintext), or
   * `auto` (the default): told apart by the blob magic.
   */
  readonly input?: 'plaintext' | 'blob' | 'auto';
  /**
   * For a blob this process has just encrypted itself (the upload's coordinator): its bytes are
   * stored unchecked and the result is what this returns once the source has ended.
   */
  readonly sealed?: () => WriteResult;
  /**
   * For a replica of an upload, sealed and sent by its coordinator: the blob is stored without
   * opening a segment and must match what the coordinator says of it once the source has ended
   * (sealedCopy.ts); the sha256 answered is the one it gives.
   */
  readonly fingerprint?: () => SealedFingerprint | undefined;
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
/** A blob's stored bytes for a peer (BlobStore.openRaw). */
export interface RawBlob {
  /** `blob`: encrypted blob bytes (header first); `plain`: the plaintext of a blob from before encryption. */
  readonly format: 'blob' | 'plain';
  /** Closes its file descriptor when it ends or is destroyed: always consume or destroy it. */
  readonly stream: Readable;
  /** The file's plaintext size. */
  readonly plainSize: number;
  /** The plaintext range the bytes hold (inclusive). */
  readonly start: number;
  readonly end: number;
  /** Bytes the stream carries. */
  readonly length: number;
  /** For a range of an encrypted blob: the segments after the header. */
  readonly span?: { readonly first: number; readonly last: number };
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
