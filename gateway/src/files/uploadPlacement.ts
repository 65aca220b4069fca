import { z } from 'zod';
import { folderRefSchema, uploadConflictSchema } from '../../../node/src/api/tree';
import { nameProblem, nameProblemMessage } from '../../../node/src/tree/itemName';
import { AppError } from '../errors';

/** POST /api/files/upload query: the folder to upload into and what a taken name does (a new version by default). */
export const uploadQuerySchema = z.object({
  folder: folderRefSchema.optional(),
  onConflict: uploadConflictSchema.optional(),
});

/** The deepest folder path a folder upload may create (the node's ensurePath limit). */
export const MAX_UPLOAD_DEPTH = 64;

export interface RelativePlacement {
  /** Folders under the target folder, outermost first; empty for a plain file. */
  folders: string[];
  name: string;
}

/**
 * A folder upload's `relativePath` (as a browser's webkitRelativePath: `photos/2024/a.jpg`)
 * split into the folders to make or reuse and the file's name. Every part must be a valid item
 * name: a `..` or an empty part is refused (400), never resolved against the folders above.
 */
export function parseRelativePath(relativePath: string): RelativePlacement {
  const parts = relativePath.split('/');
  if (parts.length - 1 > MAX_UPLOAD_DEPTH) throw new AppError('invalid_request', `relativePath: at most ${MAX_UPLOAD_DEPTH} folders deep`);
  parts.forEach((part, index) => {
    const problem = nameProblem(part);
    if (problem) throw new AppError('invalid_request', `relativePath: part ${index + 1} must be ${nameProblemMessage(problem)}`);
  });
  return { folders: parts.slice(0, -1), name: parts[parts.length - 1]! };
}

/** A file's own name (multipart filename or X-File-Name), checked like any item name. */
export function checkFileName(name: string): string {
  const problem = nameProblem(name);
  if (problem) throw new AppError('invalid_request', `file name: must be ${nameProblemMessage(problem)}`);
  return name;
}
