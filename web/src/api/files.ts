/** The files API (DESIGN §7). Wire types come from the gateway's contract, types only. */
import type {
  ClientFile,
  FileListResponse,
  RepairResponse,
  ReplicaState,
  UploadResponse,
  Usage,
  UserInfoResponse,
} from '../../../gateway/src/api/files';
import { ApiError, csrfHeaders, notifyIfUnauthenticated, request } from './http';

export type { ClientFile, FileListResponse, RepairResponse, ReplicaState, UploadResponse, Usage, UserInfoResponse };

/** One page of the list, newest first; `cursor` continues where the previous page ended. */
export const fetchFiles = (page: { limit: number; cursor?: string }) => {
  const query = new URLSearchParams({ limit: String(page.limit) });
  if (page.cursor) query.set('cursor', page.cursor);
  return request<FileListResponse>('GET', `/api/files/list?${query}`);
};
export const deleteFile = (id: string) => request<{ deleted: true; id: string }>('DELETE', `/api/files/delete/${encodeURIComponent(id)}`);
export const verifyReplicas = (id: string) => request<RepairResponse>('POST', `/api/files/replicate/${encodeURIComponent(id)}`);
export const fetchUserInfo = () => request<UserInfoResponse>('GET', '/api/user/info');
export const downloadUrl = (id: string) => `/api/files/download/${encodeURIComponent(id)}`;

export interface UploadHandle {
  /** Settles with the stored file; rejects with ApiError (code 'aborted' after abort()). */
  done: Promise<ClientFile>;
  abort(): void;
}

/**
 * fetch() cannot report upload progress, XMLHttpRequest can: hence XHR here and nowhere else.
 * The file goes as the multipart field `file`, which the gateway streams on to a node.
 */
export function uploadFile(file: File, onProgress: (loaded: number, total: number) => void): UploadHandle {
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
  form.append('file', file, file.name);
  xhr.open('POST', '/api/files/upload');
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
