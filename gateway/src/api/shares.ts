/**
 * Share links (DESIGN §8, issue 13): the owner's calls under /api/shares and the public ones
 * under /api/public/shares/:token. The dashboard imports these types only. Fields may be added,
 * never renamed.
 */
import type { PathStep } from './files';

/** Why a link answers 404 to visitors right now; `active` when it works. */
export type ShareState = 'active' | 'expired' | 'used_up' | 'item_missing';

/** One link as its owner sees it. */
export interface ClientShare {
  id: string;
  /** The page to hand out: `<origin>/s/<token>`. */
  url: string;
  itemId: string;
  /** The item's name now (when it was shared, if it is gone). */
  itemName: string;
  kind: 'file' | 'folder';
  /** The folder holding the item now (`root` for the root), for "Show in files"; null when it is gone. */
  itemParentId: string | null;
  /** ISO 8601; null = never expires. */
  expiresAt: string | null;
  /** Completed downloads the link allows; null = no limit. */
  maxDownloads: number | null;
  downloads: number;
  hasPassword: boolean;
  /** A "file drop": visitors may upload into the folder and see nothing of it. */
  uploadOnly: boolean;
  createdAt: string;
  state: ShareState;
}

/** POST /api/shares. */
export interface CreateShareRequest {
  itemId: string;
  password?: string;
  expiresAt?: string;
  maxDownloads?: number;
  uploadOnly?: boolean;
}

/** PATCH /api/shares/:id: null clears a setting, an absent field leaves it as it is. */
export interface UpdateShareRequest {
  password?: string | null;
  expiresAt?: string | null;
  maxDownloads?: number | null;
}

export interface ShareResponse {
  share: ClientShare;
}

/** GET /api/shares: the user's links, newest first. */
export interface ShareListResponse {
  shares: ClientShare[];
}

/**
 * An item as a visitor of the link sees it: nothing of the owner, nothing above the shared
 * item. `parentId` is null for the shared item itself; inside a shared folder it names a
 * folder of the share (the shared folder at the top).
 */
export interface PublicItem {
  id: string;
  kind: 'file' | 'folder';
  name: string;
  parentId: string | null;
  size: number;
  modifiedAt: string;
  mime?: string;
}

/** GET /api/public/shares/:token (`?folder=`, `?cursor=`). */
export interface PublicShareResponse {
  /** The shared item; null until the password is given. */
  item: PublicItem | null;
  needsPassword: boolean;
  uploadOnly: boolean;
  /** ISO 8601; null = never expires. */
  expiresAt: string | null;
  /** Downloads the link still allows; null = no limit. */
  downloadsLeft: number | null;
  /** Browsing a shared folder: the folder listed, with the folders from the shared one down to it. */
  folder?: { id: string; name: string; path: PathStep[] };
  /** The listed folder's items, one page (never for an upload-only link). */
  items?: PublicItem[];
  /** Pass back as `?cursor=` for the next page; absent on the last one. */
  cursor?: string;
}

/** POST /api/public/shares/:token/unlock {password} → 200 and a cookie for this link. */
export interface UnlockShareRequest {
  password: string;
}

export interface UnlockShareResponse {
  unlocked: true;
}

/** POST /api/public/shares/:token/upload → 201: the name the file got (`name (1).ext` on a clash). */
export interface PublicUploadResponse {
  file: { name: string; size: number };
}
