import { z } from 'zod';
import { itemNameSchema } from '../tree/itemName';
import { LIST_SORTS, type ReplicaState, type UsageView } from './files';

/**
 * The tree contract between nodes and the gateway (DESIGN §5, §8): items (folders and files)
 * placed by replicated move operations. Paths are under `/v1/tree/:userId`; `root` names the
 * user's root folder wherever a folder id is expected.
 */

export const ROOT_ALIAS = 'root';
const uuid = z.uuid();
/** A folder id in a path or body: an item id, or `root`. */
export const folderRefSchema = z.union([z.literal(ROOT_ALIAS), uuid]);

/** What to do when the name is already taken in the target folder (in this region). */
export const onConflictSchema = z.enum(['fail', 'rename']);
export type OnConflict = z.infer<typeof onConflictSchema>;

/** Uploads may also make the new content a version of the file of that name, and do by default (DESIGN §5). */
export const uploadConflictSchema = z.enum(['fail', 'rename', 'version']);
export type UploadConflict = z.infer<typeof uploadConflictSchema>;

export interface PathStep {
  id: string;
  name: string;
}

/** An item as the API shows it (DESIGN §8). */
export interface ItemView {
  id: string;
  kind: 'file' | 'folder';
  /** The shown name: a same-name clash from another region reads `name (conflict <region>).ext`. */
  name: string;
  /** The user's root folder's id is `root` here as everywhere in the API. */
  parentId: string;
  size: number;
  createdAt: string;
  modifiedAt: string;
  /** Files only. */
  sha256?: string;
  mime?: string;
  replicas?: Record<string, ReplicaState>;
  versionCount?: number;
  /** Search results and single-item answers: the folders above, root first. */
  path?: PathStep[];
}

/** GET /v1/tree/:userId/folders/:folderId (query as listQuerySchema, default sort name asc). */
export const folderQuerySchema = z.object({
  sort: z.enum(LIST_SORTS).default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  cursor: z.string().max(2048).optional(),
});
export type FolderQuery = z.infer<typeof folderQuerySchema>;

export interface FolderPage {
  folder: { id: string; name: string; path: PathStep[] };
  items: ItemView[];
  cursor?: string;
  usage: UsageView;
}

/** POST /v1/tree/:userId/folders → 201 {item}. */
export const createFolderSchema = z.strictObject({
  parentId: folderRefSchema,
  name: itemNameSchema,
  onConflict: onConflictSchema.default('fail'),
});

/**
 * POST /v1/tree/:userId/paths → 200 {item}: the folder at `path` under `parentId`, made where
 * missing; an existing folder of that name is reused (folder uploads).
 */
export const ensurePathSchema = z.strictObject({
  parentId: folderRefSchema,
  path: z.array(itemNameSchema).min(1).max(64),
});

/** PATCH /v1/tree/:userId/items/:itemId → 200 {item}: rename and/or move. */
export const updateItemSchema = z
  .strictObject({
    name: itemNameSchema.optional(),
    parentId: folderRefSchema.optional(),
    onConflict: onConflictSchema.default('fail'),
  })
  .refine((body) => body.name !== undefined || body.parentId !== undefined, 'give a name, a parentId or both');

/** POST /v1/tree/:userId/items/:itemId/copy → 201 {item}. */
export const copyItemSchema = z.strictObject({
  parentId: folderRefSchema,
  name: itemNameSchema.optional(),
  onConflict: onConflictSchema.default('rename'),
});

/** GET /v1/tree/:userId/search → {items} (each with its path). */
export const treeSearchSchema = z.object({
  q: z.string().trim().min(1).max(255),
  type: z.enum(['file', 'folder']).optional(),
  folder: folderRefSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/**
 * GET /v1/tree/:userId/folders/:folderId/walk?cursor=&limit= → a page of the folder's whole
 * subtree, depth first, parents before their children: what a zip of the folder streams.
 * `path` is relative to the folder, with `/` between names.
 */
export const walkQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(500),
  cursor: z.string().max(8192).optional(),
});
export interface WalkPage {
  entries: Array<{ path: string; item: ItemView }>;
  cursor?: string;
}

/** Headers of PUT /v1/files/:userId/:fileId for the tree: the folder and the clash rule. */
export const PARENT_ID_HEADER = 'x-geovault-parent-id';
export const ON_CONFLICT_HEADER = 'x-geovault-on-conflict';

/** GET /v1/tree/:userId/trash?limit=&cursor=: the trash's top-level items, the latest deleted first. */
export const trashQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  cursor: z.string().max(2048).optional(),
});

export interface TrashItemView extends ItemView {
  deletedAt: string;
  /** The folder it was deleted from, `/` first; names as they are now. */
  originalPath: string;
  /** Where a restore puts it: that folder if it is still in the tree, else `root`. */
  originalParentId: string;
}

export interface TrashPage {
  items: TrashItemView[];
  cursor?: string;
  usage: UsageView;
  /** How long an item stays in the trash before it is purged (GEOVAULT_TRASH_DAYS). */
  retentionMs: number;
}

/** One content of a file (GET /v1/tree/:userId/items/:itemId/versions), newest first. */
export interface VersionView {
  versionId: string;
  size: number;
  sha256: string;
  mime: string;
  createdAt: string;
  current: boolean;
}
