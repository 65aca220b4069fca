import { z } from 'zod';
import { createUploadSchema, uploadViewSchema } from './uploads';

/**
 * Between nodes only (peers): the holder side of resumable uploads (DESIGN §6, issue 14;
 * the public contract is uploads.ts). A holder keeps a partial — the encrypted blob the upload
 * becomes, whole segments only — and a record of it; the coordinator of a PATCH seals segments
 * and streams them to every holder (uploads/partialFrames.ts).
 *
 *   PUT    /v1/partials/:userId/:uploadId            createPartialSchema → 200 { partial }
 *   GET    /v1/partials/:userId/:uploadId            → 200 { partial } | 404
 *   POST   /v1/partials/:userId/:uploadId/append     framed stream → 200 { partial } once the
 *          new offset is fsynced here; 409 offset_mismatch (error.offset: this holder's, when it
 *          is behind the stream's base), 423 upload_busy (another coordinator holds the lease);
 *          `?standby=1`: opened ahead of the next PATCH, it gives way to any other writer until
 *          its first DATA or COMMIT, its base must be the holder's offset (409 otherwise), and
 *          ended after its base alone it answers the record as is
 *   GET    /v1/partials/:userId/:uploadId/bytes?from=&to=   the partial's bytes [from, to)
 *   POST   /v1/partials/:userId/:uploadId/finish     finishSchema: the partial becomes the blob
 *   POST   /v1/partials/:userId/:uploadId/completed  completedSchema: the file is committed
 *   DELETE /v1/partials/:userId/:uploadId            → 204: partial, tail and record removed
 */

export const partialStateSchema = z.enum(['open', 'sealed', 'stored', 'completed']);
export type PartialState = z.infer<typeof partialStateSchema>;

/** What every holder keeps of an upload besides its bytes. */
export const partialMetaSchema = z.strictObject({
  filename: createUploadSchema.shape.filename,
  folderId: createUploadSchema.shape.folderId,
  filetype: createUploadSchema.shape.filetype,
  onConflict: z.enum(['version', 'rename']),
  sha256: createUploadSchema.shape.sha256,
  /** The upload's placement at creation. */
  holders: z.array(z.string().min(1).max(100)).min(1).max(16),
});
export type PartialMeta = z.infer<typeof partialMetaSchema>;

const base64 = z.string().max(8 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');

export const createPartialSchema = z.strictObject({
  length: createUploadSchema.shape.length,
  meta: partialMetaSchema,
  /** The finished blob's header, made by the creating coordinator: the same on every holder. */
  header: base64,
  createdAt: z.number().int().nonnegative(),
  expiresAt: z.number().int().nonnegative(),
});
export type CreatePartialRequest = z.infer<typeof createPartialSchema>;

/** A holder's record as it answers it. */
export const partialViewSchema = z.object({
  uploadId: z.string(),
  userId: z.string(),
  length: z.number().int().nonnegative(),
  meta: partialMetaSchema,
  header: base64,
  createdAt: z.number().int().nonnegative(),
  expiresAt: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  tail: base64,
  state: partialStateSchema,
  completion: uploadViewSchema.shape.completed,
});
export type PartialView = z.infer<typeof partialViewSchema>;

export const appendQuerySchema = z.strictObject({ standby: z.literal('1').optional() });
export const bytesQuerySchema = z.strictObject({ from: z.coerce.number().int().min(0), to: z.coerce.number().int().min(0) });
export const finishSchema = z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() });
export const completedSchema = z.strictObject({ itemId: z.string(), file: z.record(z.string(), z.unknown()) });
