import type { UploadView } from '../../../node/src/api/uploads';
import { AppError } from '../errors';
import { fromNodeError } from '../files/nodeErrors';
import { NodeCallError } from '../mesh/nodeClient';
import { expiresHeader, formatMetadataHeader, ITEM_ID_HEADER, TUS_CHECKSUM_ALGORITHMS, TUS_EXTENSIONS, TUS_RESUMABLE } from './tusProtocol';

/** OPTIONS: what this server speaks (tus discovery). */
export const TUS_DISCOVERY_HEADERS: Readonly<Record<string, string>> = {
  'Tus-Resumable': TUS_RESUMABLE,
  'Tus-Version': TUS_RESUMABLE,
  'Tus-Extension': TUS_EXTENSIONS.join(','),
  'Tus-Checksum-Algorithm': TUS_CHECKSUM_ALGORITHMS.join(','),
};

/**
 * The headers that describe an upload (HEAD), as the nodes have it: Upload-Offset is what is
 * durable on W nodes; Upload-Expires only while it can still expire; the item's id once the
 * file is in its folder.
 */
export function uploadHeaders(upload: UploadView): Record<string, string> {
  const headers: Record<string, string> = {
    'Upload-Offset': String(upload.offset),
    'Upload-Length': String(upload.length),
    'Upload-Metadata': formatMetadataHeader({ filename: upload.filename, folder: upload.folderId, filetype: upload.filetype }),
  };
  if (upload.completed) headers[ITEM_ID_HEADER] = upload.completed.itemId;
  else headers['Upload-Expires'] = expiresHeader(upload.expiresAt);
  return headers;
}

/** After a PATCH: the new offset, and the expiry or the item's id. */
export function progressHeaders(upload: UploadView): Record<string, string> {
  const { 'Upload-Metadata': _metadata, 'Upload-Length': _length, ...rest } = uploadHeaders(upload);
  return rest;
}

/**
 * A failed node call as the tus answer: a 409 carries the current offset (so that a client
 * can continue without a HEAD), an unknown or foreign upload is a plain 404.
 */
export function toTusError(error: unknown): unknown {
  if (!(error instanceof NodeCallError)) return fromNodeError(error);
  if (error.status === 404) return new AppError('not_found', 'No such upload.');
  const offset = error.details.offset;
  if (error.code === 'offset_mismatch' && typeof offset === 'number') return offsetMismatch(offset, error.message);
  return fromNodeError(error);
}

export function offsetMismatch(current: number, message = `The upload is at offset ${current}; continue from there.`): AppError {
  return new AppError('offset_mismatch', message, { 'Upload-Offset': String(current) });
}
