import { z } from 'zod';

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lower-case UUID');

/**
 * POST /v1/quota/:userId (peers only): a coordinator asks the user's quota owner to reserve an
 * upload's bytes, grow the reservation (a chunked body) or release it. 200 `{ok: true}`, or
 * 413 quota_exceeded.
 */
export const quotaRequestSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.enum(['reserve', 'grow']), uploadId: uuid, bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
  z.strictObject({ op: z.literal('release'), uploadId: uuid, committedAs: z.strictObject({ userId: uuid, fileId: uuid }).optional() }),
]);
export type QuotaRequest = z.infer<typeof quotaRequestSchema>;
