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
  /**
   * What `used` is made of, in logical bytes (DESIGN §5): current files, older versions and the
   * trash (files in the trash with their versions). Absent from answers that do not compute it.
   */
  breakdown?: UsageBreakdown;
}

export interface UsageBreakdown {
  files: number;
  versions: number;
  trash: number;
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

/** An item in the trash: where it was when deleted, and when (DESIGN §8). */
export interface TrashItem extends ClientItem {
  deletedAt: string;
  /** The folder path it was deleted from, `/` first (`/` is the root), names as shown then. */
  originalPath: string;
  /** The folder it goes back to on restore, if that folder still exists (else the root). */
  originalParentId: string;
}

/** GET /api/trash: the trash's top-level items, newest deletion first. */
export interface TrashListResponse {
  items: TrashItem[];
  cursor?: string;
  usage: Usage;
  /** Days an item stays in the trash before it is deleted for good (may be a fraction). */
  retentionDays: number;
}

/** One version of a file; `current` is the content the file shows now. */
export interface FileVersion {
  versionId: string;
  size: number;
  sha256: string;
  mime: string;
  createdAt: string;
  current: boolean;
}

/** GET /api/files/:id/versions: newest first. */
export interface VersionListResponse {
  versions: FileVersion[];
}
