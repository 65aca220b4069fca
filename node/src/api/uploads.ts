import { z } from 'zod';
import type { FileView } from './files';

/**
 * Resumable uploads in progress (DESIGN §6, §8; issue 14): the contract between the gateway's
 * tus server and the nodes. An upload's bytes live on the nodes that will hold the finished
 * file (its placement), never in the gateway: every accepted PATCH is durable on W nodes before
 * its new offset is answered, so any gateway can continue it through any live node.
 *
 * Every call may go to any live node; a node that does not hold the upload finds its holders.
 * (The peers' "is this upload still running?" question of the orphan check, which used to be
 * GET /v1/uploads/:userId/:fileId, is GET /v1/upload-knowledge/:userId/:fileId: uploadRoutes.ts.)
 *
 *   POST   /v1/uploads/:userId                 createUploadSchema → 201 { upload }
 *          413 quota_exceeded (checked from `length` before any byte), 400 invalid_request,
 *          404 not_found (no such folder), 409 conflict (the id is taken); an existing upload of
 *          the same user and id is answered as it is (a retried creation)
 *   GET    /v1/uploads/:userId/:uploadId       → 200 { upload } | 404 not_found (unknown,
 *          expired, terminated, or another user's)
 *   PATCH  /v1/uploads/:userId/:uploadId?offset=N   raw bytes (application/octet-stream),
 *          optional header `x-chunk-sha256: <hex>` (the SHA-256 of this body) → 200 { upload }
 *          once the new offset is durable on W nodes. The PATCH that brings the last byte
 *          also checks the whole file's SHA-256 and commits the file (`upload.completed`).
 *          409 offset_mismatch (error.offset: the current offset), 413 payload_too_large (more
 *          bytes than declared), 413 quota_exceeded, 423 upload_busy (another PATCH is being
 *          written), 460 checksum_mismatch (the chunk was not kept), 422 integrity_mismatch
 *          (the whole file's hash: the upload is failed and removed, never stored),
 *          503 replication_failed.
 *          A client that goes away mid-body keeps the bytes that reached W nodes.
 *   POST   /v1/uploads/:userId/:uploadId/complete → 200 { upload } with `completed`: finishes
 *          the commit of an upload whose bytes are all in (a coordinator died after the last
 *          byte); idempotent.
 *   DELETE /v1/uploads/:userId/:uploadId       → 204: removed on every holder at once (tus
 *          termination); the quota reservation is released.
 *
 * Uploads not completed by `expiresAt` (GEOVAULT_UPLOAD_EXPIRY_MS, default 24 h after
 * creation) are removed by every holder and their reservation released.
 */

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lower-case UUID');
const hexSha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');

export const createUploadSchema = z.strictObject({
  /** Chosen by the gateway; also the id of the finished file's content (its blob). */
  uploadId: uuid,
  /** The declared Upload-Length: the quota is reserved for it while the upload is live. */
  length: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  filename: z.string().min(1).max(255),
  /** The folder the file appears in when done; the root when null. */
  folderId: uuid.nullable(),
  filetype: z.string().max(255).nullable(),
  /** What a name already taken in that folder does; a new version by default (DESIGN §5). */
  onConflict: z.enum(['version', 'rename']).default('version'),
  /** The SHA-256 the client declares for the whole file, checked when the last byte is in. */
  sha256: hexSha256.optional(),
});
export type CreateUploadRequest = z.input<typeof createUploadSchema>;

export const uploadViewSchema = z.object({
  id: uuid,
  userId: uuid,
  length: z.number().int().nonnegative(),
  /**
   * Bytes durable on W nodes: the tus Upload-Offset. While a holder cannot be asked it counts
   * as holding what the furthest reachable one holds (it may be the other copy of the last
   * acknowledged PATCH), and the next PATCH first copies those bytes to the others.
   */
  offset: z.number().int().nonnegative(),
  filename: z.string(),
  folderId: uuid.nullable(),
  filetype: z.string().nullable(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  /** The nodes keeping the upload's bytes (its placement). */
  holders: z.array(z.string()),
  /** Set once the file is committed (W=2 bytes and entry): the tus X-GeoVault-Item-Id. */
  completed: z.object({ itemId: uuid, file: z.custom<FileView>((value) => typeof value === 'object' && value !== null) }).optional(),
});
export type UploadView = z.infer<typeof uploadViewSchema>;
export interface UploadResponse {
  upload: UploadView;
}

export const patchQuerySchema = z.strictObject({ offset: z.coerce.number().int().min(0) });
export const CHUNK_SHA256_HEADER = 'x-chunk-sha256';
/** The prefix of every route above. */
export const RESUMABLE_PATH = '/v1/uploads';
