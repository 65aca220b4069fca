import { z } from 'zod';

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lower-case UUID');

/**
 * POST /v1/quota/:userId (peers only): a coordinator asks the user's quota owner to reserve an
 * upload's bytes, grow the reservation (a chunked body) or release it. 200 `{ok: true}`, or
 * 413 quota_exceeded. `ensure` makes the upload's reservation at least `bytes`, reserving it
 * afresh at an owner that does not know it: a resumable upload re-asserts its reservation
 * this way on each PATCH, so an owner that took over (or restarted) learns it again.
 */
export const quotaRequestSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.enum(['reserve', 'grow', 'ensure']), uploadId: uuid, bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
  z.strictObject({ op: z.literal('release'), uploadId: uuid, committedAs: z.strictObject({ userId: uuid, fileId: uuid }).optional() }),
]);
export type QuotaRequest = z.infer<typeof quotaRequestSchema>;
