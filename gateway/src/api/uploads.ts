/**
 * The gateway's tus 1.0 server at /api/uploads (DESIGN §8, issue 14): the headers and
 * metadata keys a client uses beyond the tus core. The dashboard imports these types only.
 */

/** Upload-Metadata keys the server reads (values base64, as tus says). */
export interface TusUploadMetadata {
  /** The file's name; required. */
  filename: string;
  /** The folder (id) it appears in when done; the root when absent or `root`. */
  folder?: string;
  /** A folder upload's path under `folder` ("photos/2024/a.jpg"): its folders are made first. */
  relativePath?: string;
  filetype?: string;
  /** The whole file's SHA-256 (hex), checked when the last byte is in. */
  sha256?: string;
  /** A name already taken in the folder: a new version (default) or a new name. */
  onConflict?: 'version' | 'rename';
}

/** Answered by HEAD (and the last PATCH) once the file is in its folder: the item's id. */
export type TusItemIdHeader = 'X-GeoVault-Item-Id';
