import { z } from 'zod';

/** Where a walk of a subtree stands: the folders being walked, top first, and the last child done in each. */
export interface WalkFrame {
  folderId: string;
  /** The folder's path relative to the walked folder, in shown names ('' for the walked folder). */
  path: string;
  /** A children-page cursor: the last child already walked. */
  after?: string;
}

/** The cursor carries only ids and positions; paths are rebuilt on resume, so it stays short. */
export const walkCursorSchema = z.array(z.tuple([z.string().max(128), z.string().max(2048).nullable()])).min(1).max(64);
