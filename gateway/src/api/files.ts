/** The gateway's file API shapes (DESIGN §7); the dashboard imports these types only. */
export type ReplicaState = 'stored' | 'pending' | 'corrupt';

export interface ClientFile {
  id: string;
  name: string;
  size: number;
  sha256: string;
  mime: string;
  createdAt: string;
  /** The folder holding the file (`root` for the user's root folder). */
  parentId?: string;
  replicas: Record<string, ReplicaState>;
}

/** One folder above an item: breadcrumbs and search results. */
export interface PathStep {
  id: string;
  name: string;
}

/** A file or folder of the tree (DESIGN §8). The root folder's id is `root`. */
export interface ClientItem {
  id: string;
  kind: 'file' | 'folder';
  name: string;
  parentId: string;
  size: number;
  createdAt: string;
  modifiedAt: string;
  sha256?: string;
  mime?: string;
  replicas?: Record<string, ReplicaState>;
  versionCount?: number;
  /** The folders above the item, root first (search results). */
  path?: PathStep[];
}

/** GET /api/files/list?folder=…: one page of a folder (`files` repeats its files for old clients). */
export interface FolderListResponse {
  folder: { id: string; name: string; path: PathStep[] };
  items: ClientItem[];
  files: ClientFile[];
  usage: Usage;
  cursor?: string;
}

export interface ItemResponse {
  item: ClientItem;
}

export interface SearchResponse {
  items: ClientItem[];
}

export interface Usage {
  used: number;
  limit: number;
}

/** GET /api/files/list: one page, newest first unless asked otherwise (`sort`, `order`). */
export interface FileListResponse {
  files: ClientFile[];
  usage: Usage;
  /** Pass back as `?cursor=` for the next page; absent on the last one. */
  cursor?: string;
}

export interface UploadResponse {
  file: ClientFile;
}

export interface RepairResponse {
  fileId: string;
  results: Array<{ node: string; before: string; after: string; repaired: boolean }>;
}

export interface UserInfoResponse {
  user: { id: string; email: string; name: string; region: string };
  usage: Usage;
  fileCount: number;
}
