/** Share links (DESIGN §8): the owner's calls and the public ones. Wire types from the gateway's contract, types only. */
import type {
  ClientShare,
  CreateShareRequest,
  PublicShareResponse,
  PublicUploadResponse,
  ShareListResponse,
  ShareResponse,
  UpdateShareRequest,
} from '../../../gateway/src/api/shares';
import { ApiError, request } from './http';

export type { ClientShare, CreateShareRequest, PublicItem, PublicShareResponse, PublicUploadResponse, ShareState, UpdateShareRequest } from '../../../gateway/src/api/shares';

const enc = encodeURIComponent;

export const listShares = () => request<ShareListResponse>('GET', '/api/shares');
export const createShare = (body: CreateShareRequest) => request<ShareResponse>('POST', '/api/shares', body);
export const updateShare = (id: string, change: UpdateShareRequest) => request<ShareResponse>('PATCH', `/api/shares/${enc(id)}`, change);
export const revokeShare = (id: string) => request<unknown>('DELETE', `/api/shares/${enc(id)}`);

/** The links of one item, newest first (the share dialog shows the item's existing links). */
export async function sharesOf(itemId: string): Promise<ClientShare[]> {
  return (await listShares()).shares.filter((share) => share.itemId === itemId);
}

// ---- public, no account: everything under the link's own path, where its unlock cookie goes ----

const base = (token: string) => `/api/public/shares/${enc(token)}`;

export function fetchPublicShare(token: string, opts: { folder?: string; cursor?: string } = {}): Promise<PublicShareResponse> {
  const query = new URLSearchParams();
  if (opts.folder) query.set('folder', opts.folder);
  if (opts.cursor) query.set('cursor', opts.cursor);
  return request<PublicShareResponse>('GET', `${base(token)}${query.size ? `?${query}` : ''}`);
}

export const unlockShare = (token: string, password: string) => request<{ unlocked: true }>('POST', `${base(token)}/unlock`, { password });

/** The link's item (or `item` inside a shared folder) as a download; a folder comes as a zip. */
export function publicDownloadUrl(token: string, item?: string): string {
  return `${base(token)}/download${item ? `?item=${enc(item)}` : ''}`;
}

/** The same, served inline for a preview (safe types only; anything else still downloads). */
export function publicPreviewUrl(token: string, item?: string): string {
  return `${base(token)}/download?${item ? `item=${enc(item)}&` : ''}inline=1`;
}

/** A picture file's thumbnail through the link (128 px box, or 512 for `large`); never counts as a download. */
export function publicThumbnailUrl(token: string, item: string, size: 'small' | 'large' = 'small'): string {
  return `${base(token)}/thumbnail?item=${enc(item)}&size=${size}`;
}

export interface DropHandle {
  done: Promise<PublicUploadResponse['file']>;
  abort(): void;
}

/**
 * One file into a drop link: the raw body with its name in X-File-Name. XHR for the progress
 * of the upload, which fetch cannot report.
 */
export function dropFile(token: string, file: File, onProgress: (loaded: number, total: number) => void): DropHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<PublicUploadResponse['file']>((resolve, reject) => {
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status === 201 && body && typeof body === 'object' && 'file' in body) {
        resolve((body as PublicUploadResponse).file);
        return;
      }
      const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      const retryAfter = Number(xhr.getResponseHeader('Retry-After'));
      reject(new ApiError(xhr.status, error?.code ?? 'internal', error?.message ?? `The server answered ${xhr.status}.`, retryAfter > 0 ? retryAfter : undefined));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload was interrupted: the server cannot be reached.'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'Upload cancelled.'));
  });
  xhr.open('POST', `${base(token)}/upload`);
  xhr.setRequestHeader('X-File-Name', encodeURIComponent(file.name));
  xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
  xhr.send(file);
  return { done, abort: () => xhr.abort() };
}
