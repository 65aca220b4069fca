/** The file versions API (DESIGN §8). Wire types come from the gateway's contract, types only. */
import type { ItemResponse, VersionListResponse } from '../../../gateway/src/api/files';
import { request } from './http';

export type { FileVersion, VersionListResponse } from '../../../gateway/src/api/files';

const id = (value: string) => encodeURIComponent(value);
const versionPath = (fileId: string, versionId: string) => `/api/files/${id(fileId)}/versions/${id(versionId)}`;

/** Every kept version of a file, newest first; the one the file shows now has `current: true`. */
export const fetchVersions = (fileId: string) => request<VersionListResponse>('GET', `/api/files/${id(fileId)}/versions`);

/** Where the browser downloads that version's content. */
export const versionDownloadUrl = (fileId: string, versionId: string) => versionPath(fileId, versionId);

/** Makes that content current again, as a new version (the history only grows). */
export const restoreVersion = (fileId: string, versionId: string) => request<ItemResponse>('POST', `${versionPath(fileId, versionId)}/restore`);

/** Deletes an older version (the current one cannot be: 409). */
export const deleteVersion = (fileId: string, versionId: string) => request<void>('DELETE', versionPath(fileId, versionId));
