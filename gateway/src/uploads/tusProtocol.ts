import { z } from 'zod';
import { folderRefSchema } from '../../../node/src/api/tree';
import { itemNameSchema } from '../../../node/src/tree/itemName';
import { AppError } from '../errors';
import type { TusItemIdHeader, TusUploadMetadata } from '../api/uploads';
import { parseInput } from '../http/parseInput';

/**
 * The tus 1.0 protocol as far as the gateway speaks it (https://tus.io/protocols/resumable-upload):
 * header names, the parsing of every header a client sends, and Upload-Metadata. Pure: no I/O.
 */
export const TUS_RESUMABLE = '1.0.0';
export const TUS_EXTENSIONS = ['creation', 'creation-with-upload', 'termination', 'expiration', 'checksum'] as const;
export const TUS_CHECKSUM_ALGORITHMS = ['sha256'] as const;
/** The only body type of a PATCH (and of a creation that carries bytes). */
export const TUS_CONTENT_TYPE = 'application/offset+octet-stream';
export const ITEM_ID_HEADER: TusItemIdHeader = 'X-GeoVault-Item-Id';

/** The upload's id in the path: a lower-case UUID the gateway made; anything else is simply not found. */
export const uploadIdSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

/** A byte count in a header: digits only (no sign, no exponent), a safe integer. */
const byteCount = (field: string) =>
  z
    .string({ error: `${field}: required` })
    .regex(/^\d{1,16}$/, `${field}: a non-negative integer`)
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n), `${field}: too large`);

const lowerHex = (value: string) => value.toLowerCase();

/** Upload-Metadata of a creation, once decoded: what the gateway accepts and passes on. */
export const creationMetadataSchema = z.strictObject({
  filename: itemNameSchema,
  folder: folderRefSchema.optional(),
  relativePath: z.string().min(1).max(4096).optional(),
  filetype: z.string().max(255).optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'a hex SHA-256')
    .transform(lowerHex)
    .optional(),
  onConflict: z.enum(['version', 'rename']).optional(),
}) satisfies z.ZodType<TusUploadMetadata, unknown>;
export type CreationMetadata = z.output<typeof creationMetadataSchema>;

/**
 * Upload-Metadata: comma-separated `key base64value` pairs (a key alone means an empty value),
 * keys unique, values UTF-8 once decoded. A malformed header is a 400, never a guess.
 */
export function parseMetadataHeader(header: string | undefined): Record<string, string> {
  const pairs: Record<string, string> = {};
  if (header === undefined || header.trim() === '') return pairs;
  if (header.length > 16 * 1024) throw new AppError('invalid_request', 'Upload-Metadata: at most 16 KiB');
  for (const part of header.split(',')) {
    const match = /^\s*([^\s,]+)(?: ([A-Za-z0-9+/]*={0,2}))?\s*$/.exec(part);
    if (!match) throw new AppError('invalid_request', 'Upload-Metadata: comma-separated "key base64value" pairs');
    const [, key, encoded = ''] = match as unknown as [string, string, string | undefined];
    if (Object.hasOwn(pairs, key)) throw new AppError('invalid_request', `Upload-Metadata: the key "${key}" appears twice`);
    if (encoded.length % 4 !== 0) throw new AppError('invalid_request', `Upload-Metadata: the value of "${key}" is not base64`);
    const bytes = Buffer.from(encoded, 'base64');
    const text = new TextDecoder('utf-8', { fatal: true });
    try {
      pairs[key] = text.decode(bytes);
    } catch {
      throw new AppError('invalid_request', `Upload-Metadata: the value of "${key}" is not UTF-8`);
    }
  }
  return pairs;
}

/** Upload-Metadata back from what the server kept, for HEAD (tus: MUST echo it). */
export function formatMetadataHeader(values: Record<string, string | null | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([key, value]) => `${key} ${Buffer.from(value, 'utf8').toString('base64')}`)
    .join(',');
}

/** Upload-Checksum `sha256 <base64 digest>` as the node's hex; another algorithm is a 400 (tus). */
export function parseChecksumHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^([A-Za-z0-9-]+) ([A-Za-z0-9+/]+={0,2})$/.exec(header.trim());
  if (!match) throw new AppError('invalid_request', 'Upload-Checksum: "sha256 <base64 digest>"');
  if (match[1]!.toLowerCase() !== 'sha256') throw new AppError('invalid_request', `Upload-Checksum: the algorithm must be one of ${TUS_CHECKSUM_ALGORITHMS.join(', ')}`);
  const digest = Buffer.from(match[2]!, 'base64');
  if (digest.length !== 32) throw new AppError('invalid_request', 'Upload-Checksum: a SHA-256 digest is 32 bytes');
  return digest.toString('hex');
}

export interface CreationHeaders {
  length: number;
  metadata: CreationMetadata;
}

type Headers = Record<string, string | string[] | undefined>;
const one = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

/** POST: Upload-Length (a deferred length is not offered) and the decoded Upload-Metadata. */
export function parseCreationHeaders(headers: Headers): CreationHeaders {
  if (one(headers, 'upload-defer-length') !== undefined) throw new AppError('invalid_request', 'Upload-Defer-Length: not supported; send Upload-Length');
  const length = parseInput(byteCount('Upload-Length'), one(headers, 'upload-length'), 'Upload-Length');
  const metadata = parseInput(creationMetadataSchema, parseMetadataHeader(one(headers, 'upload-metadata')), 'Upload-Metadata');
  return { length, metadata };
}

export interface PatchHeaders {
  offset: number;
  /** The body's length when the client declared it. */
  contentLength?: number;
  chunkSha256?: string;
}

/**
 * PATCH (and the bytes of a creation): the body must be application/offset+octet-stream (415
 * otherwise, as tus says), Upload-Offset a byte count, Upload-Checksum optional.
 */
export function parsePatchHeaders(headers: Headers, { needsOffset }: { needsOffset: boolean }): PatchHeaders {
  const type = one(headers, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== TUS_CONTENT_TYPE) throw new AppError('unsupported_media_type', `Content-Type: must be ${TUS_CONTENT_TYPE}`);
  const offset = needsOffset ? parseInput(byteCount('Upload-Offset'), one(headers, 'upload-offset'), 'Upload-Offset') : 0;
  const declared = one(headers, 'content-length');
  const contentLength = declared === undefined ? undefined : parseInput(byteCount('Content-Length'), declared, 'Content-Length');
  return { offset, contentLength, chunkSha256: parseChecksumHeader(one(headers, 'upload-checksum')) };
}

/** Does the client speak our version? Every request but OPTIONS must say so (412 otherwise). */
export function speaksTus(headers: Headers): boolean {
  return one(headers, 'tus-resumable') === TUS_RESUMABLE;
}

/** Upload-Expires is an HTTP date (RFC 7231). */
export function expiresHeader(expiresAt: string): string {
  return new Date(expiresAt).toUTCString();
}
