import { z } from 'zod';

/** The cursor did not come from this API (or was tampered with). */
export class BadCursorError extends Error {}

/** Where a keyset page ended: the last row's sort value and id. Opaque to clients. */
export type PagePosition = [string | number, string];

const positionSchema = z.tuple([z.union([z.string(), z.number()]), z.string()]);

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodePagePosition(cursor: string): PagePosition {
  try {
    return positionSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new BadCursorError('cursor: not a cursor from a previous page');
  }
}
