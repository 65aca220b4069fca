import { z } from 'zod';
import { folderQuerySchema } from '../../../node/src/api/tree';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/passwords';
import { THUMBNAIL_SIZES, type ThumbnailSize } from '../previews/renderThumbnail';

const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `at most ${PASSWORD_MAX_LENGTH} characters`);
const expiresAtSchema = z.iso.datetime({ offset: true, error: 'an ISO 8601 date and time, such as 2030-01-31T12:00:00Z' });
const maxDownloadsSchema = z.number().int('a whole number').min(1, 'at least 1').max(1_000_000, 'at most 1000000');

/** POST /api/shares. */
export const createShareSchema = z.strictObject({
  itemId: z.uuid({ error: 'an item id (UUID)' }),
  password: passwordSchema.optional(),
  expiresAt: expiresAtSchema.optional(),
  maxDownloads: maxDownloadsSchema.optional(),
  uploadOnly: z.boolean().optional(),
});

/** PATCH /api/shares/:id: null clears, absent keeps. */
export const updateShareSchema = z
  .strictObject({
    password: passwordSchema.nullable().optional(),
    expiresAt: expiresAtSchema.nullable().optional(),
    maxDownloads: maxDownloadsSchema.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'give password, expiresAt or maxDownloads');

export const shareIdSchema = z.uuid({ error: 'a share id (UUID)' });

/** GET /api/public/shares/:token: a folder inside the share and a page of it, by name unless asked. */
export const publicListQuerySchema = folderQuerySchema.extend({ folder: z.uuid({ error: 'a folder id (UUID)' }).optional() });

/** GET /api/public/shares/:token/download. */
export const publicDownloadQuerySchema = z.object({
  item: z.uuid({ error: 'an item id (UUID)' }).optional(),
  inline: z.enum(['0', '1']).optional(),
});

/** GET /api/public/shares/:token/thumbnail. */
export const publicThumbnailQuerySchema = z.object({
  item: z.uuid({ error: 'an item id (UUID)' }).optional(),
  size: z.enum(Object.keys(THUMBNAIL_SIZES) as [ThumbnailSize, ...ThumbnailSize[]]).default('small'),
});

export const unlockSchema = z.strictObject({ password: z.string().min(1, 'the password').max(PASSWORD_MAX_LENGTH) });
