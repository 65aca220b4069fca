/** The files and tree API (DESIGN §8). Wire types come from the gateway's contract, types only. */
import type { ClientFile, ClientItem, FolderListResponse, ItemResponse, RepairResponse, SearchResponse, UploadResponse, UserInfoResponse } from '../../../gateway/src/api/files';
import { ApiError, csrfHeaders, notifyIfUnauthenticated, request } from './http';

export type {
  ClientFile,
  ClientItem,
  FileListResponse,
  FolderListResponse,
  ItemResponse,
  PathStep,
  RepairResponse,
  ReplicaState,
  SearchResponse,
  UploadResponse,
  Usage,
  UserInfoResponse,
} from '../../../gateway/src/api/files';

/** The user's root folder wherever the API expects a folder id. */
export const ROOT_FOLDER = 'root';

export type SortKey = 'name' | 'modified' | 'size';
export type SortOrder = 'asc' | 'desc';
/** What to do when the name is taken in the target folder: fail with 409 name_taken, or pick `name (1).ext`. */
export type OnConflict = 'fail' | 'rename';

export interface FolderPageQuery {
  folder: string;
  sort: SortKey;
  order: SortOrder;
  limit: number;
  cursor?: string;
}

const id = (value: string) => encodeURIComponent(value);
const conflictQuery = (onConflict?: OnConflict) => (onConflict === 'rename' ? '?onConflict=rename' : '');

/** One page of a folder, sorted by the server; `cursor` continues where the previous page ended. */
export function fetchFolder(page: FolderPageQuery): Promise<FolderListResponse> {
  const query = new URLSearchParams({ folder: page.folder, sort: page.sort, order: page.order, limit: String(page.limit) });
  if (page.cursor) query.set('cursor', page.cursor);
  return request<FolderListResponse>('GET', `/api/files/list?${query}`);
}

export const createFolder = (parentId: string, name: string, onConflict?: OnConflict) =>
  request<ItemResponse>('POST', `/api/folders${conflictQuery(onConflict)}`, { parentId, name });

/** Rename and/or move (DESIGN §8: 409 name_taken or invalid_move). */
export const updateItem = (itemId: string, change: { name?: string; parentId?: string }, onConflict?: OnConflict) =>
  request<ItemResponse>('PATCH', `/api/items/${id(itemId)}${conflictQuery(onConflict)}`, change);

export const copyItem = (itemId: string, parentId: string, onConflict?: OnConflict) =>
  request<ItemResponse>('POST', `/api/items/${id(itemId)}/copy${conflictQuery(onConflict)}`, { parentId });

export const deleteItem = (itemId: string) => request<unknown>('DELETE', `/api/items/${id(itemId)}`);

export function searchItems(q: string, opts: { type?: 'file' | 'folder'; folder?: string; limit?: number } = {}): Promise<SearchResponse> {
  const query = new URLSearchParams({ q });
  if (opts.type) query.set('type', opts.type);
  if (opts.folder) query.set('folder', opts.folder);
  if (opts.limit) query.set('limit', String(opts.limit));
  return request<SearchResponse>('GET', `/api/search?${query}`);
}

export const verifyReplicas = (fileId: string) => request<RepairResponse>('POST', `/api/files/replicate/${id(fileId)}`);
export const fetchUserInfo = () => request<UserInfoResponse>('GET', '/api/user/info');
export const downloadUrl = (fileId: string) => `/api/files/download/${id(fileId)}`;
export const zipUrl = (folderId: string) => `/api/folders/${id(folderId)}/zip`;

export interface UploadTarget {
  /** The folder the upload goes into (`root` when absent). */
  folder?: string;
  /** For folder uploads: the file's path under `folder`, folders then name ("photos/2024/a.jpg"). */
  relativePath?: string;
}

export interface UploadHandle {
  /** Settles with the stored file; rejects with ApiError (code 'aborted' after abort()). */
  done: Promise<ClientFile>;
  abort(): void;
}

/**
 * fetch() cannot report upload progress, XMLHttpRequest can: hence XHR here and nowhere else.
 * `relativePath` goes before `file` because the gateway streams the file on to a node as it
 * reads it, so it must know where the file goes by the time the file's bytes start.
 */
export function uploadFile(file: File, target: UploadTarget, onProgress: (loaded: number, total: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<ClientFile>((resolve, reject) => {
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    xhr.onload = () => {
      const body = parseJson(xhr.responseText);
      if (xhr.status === 201 && body && typeof body === 'object' && 'file' in body) {
        resolve((body as UploadResponse).file);
        return;
      }
      const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      const apiError = new ApiError(xhr.status, error?.code ?? 'internal', error?.message ?? `The server answered ${xhr.status}.`);
      notifyIfUnauthenticated(apiError);
      reject(apiError);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload was interrupted: the gateway cannot be reached.'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'Upload cancelled.'));
  });
  const form = new FormData();
  if (target.relativePath) form.append('relativePath', target.relativePath);
  form.append('file', file, file.name);
  const query = target.folder && target.folder !== ROOT_FOLDER ? `?folder=${id(target.folder)}` : '';
  xhr.open('POST', `/api/files/upload${query}`);
  xhr.withCredentials = true;
  for (const [name, value] of Object.entries(csrfHeaders('POST'))) xhr.setRequestHeader(name, value);
  xhr.send(form);
  return { done, abort: () => xhr.abort() };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
