/** The gateway's file API shapes (DESIGN §7); the dashboard imports these types only. */
export type ReplicaState = 'stored' | 'pending' | 'corrupt';

export interface ClientFile {
  id: string;
  name: string;
  size: number;
  sha256: string;
  mime: string;
  createdAt: string;
  replicas: Record<string, ReplicaState>;
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
