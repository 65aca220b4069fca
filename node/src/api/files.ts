import { v5 as uuidv5 } from 'uuid';
import { z } from 'zod';

/**
 * The file contract between nodes and the gateway: index entries, replica states, and the
 * headers of the node's file API (DESIGN §4–6).
 */

const uuid = z.uuid();
export const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');

export const fileEntrySchema = z.object({
  fileId: uuid,
  ownerId: uuid,
  name: z.string().min(1).max(1024),
  size: z.number().int().nonnegative(),
  sha256: sha256Schema,
  mime: z.string().min(1).max(255),
  createdAt: z.iso.datetime(),
  /** When the content last changed; createdAt when absent (entries of the first release). */
  modifiedAt: z.iso.datetime().optional(),
  /** The folder holding the file; the user's root folder when absent (see rootFolderId). */
  parentId: uuid.optional(),
  /**
   * A small file whose bytes live in the index itself (`data/<userId>/<fileId>`), as Garage
   * keeps small objects inline: every node holds them, with one group commit per batch of
   * uploads instead of three blob files with an fsync each.
   */
  inline: z.boolean().optional(),
  /**
   * The file's place (folder and name) comes from the tree's move ops, the first written with
   * this entry (DESIGN §5). Absent on entries of earlier releases: each is then its own create
   * op, under `parentId` with `name`, stamped with the entry's version.
   */
  placedByTree: z.literal(true).optional(),
  /**
   * A later content of the file item `itemId` (DESIGN §5 versions): each content is an entry and
   * a blob of its own, replicated and repaired like any file; the newest is what the item shows.
   * Absent: the item's first content, whose id is the item's.
   */
  itemId: uuid.optional(),
  /** A copy (POST …/copy): each node links this file's blob instead of fetching bytes over the WAN. */
  copiedFrom: uuid.optional(),
  deleted: z.boolean(),
});
export type FileEntry = z.infer<typeof fileEntrySchema>;

export const replicaStateSchema = z.enum(['stored', 'pending', 'corrupt']);
export type ReplicaState = z.infer<typeof replicaStateSchema>;

/** `data/<userId>/<fileId>`: the bytes of an inline file. */
export const inlineDataSchema = z.union([
  /** Sealed like a blob file (storage/encryption/inlineSeal.ts): what every node writes with encryption on. */
  z.strictObject({ sealed: z.base64() }),
  /** Plaintext: written before encryption, or with it off (benchmarks); the inline converter seals it. */
  z.strictObject({ base64: z.base64() }),
]);
export type InlineData = z.infer<typeof inlineDataSchema>;

/** `replica/<nodeId>/<userId>/<fileId>`: written only by that node. */
export const replicaRecordSchema = z.object({
  state: replicaStateSchema,
  sha256: sha256Schema.optional(),
  /** Logical bytes of a stored replica, so that a node's stored bytes are a counter. */
  size: z.number().int().nonnegative().optional(),
  at: z.iso.datetime(),
});
export type ReplicaRecord = z.infer<typeof replicaRecordSchema>;

/**
 * Each user's root folder has the user's own id: it exists without being created, and no
 * other item can have that id (item ids are fresh UUIDs).
 */
export const rootFolderId = (userId: string): string => userId;

/**
 * Each user's trash folder: a fixed item like the root, with an id derived from the user's
 * (a name-based UUID), so that every region knows it without it being created.
 */
export const trashFolderId = (userId: string): string => uuidv5(`trash:${userId}`, TRASH_NAMESPACE);
const TRASH_NAMESPACE = '4f0d8a52-1c51-4c0e-9b5e-6f3f2a7d9c10';

/** A file as the node API shows it: the entry and where its replicas are. */
export interface FileView extends Omit<FileEntry, 'deleted'> {
  replicas: Record<string, ReplicaState>;
}

/** Headers of PUT /v1/files/:userId/:fileId (the body is the raw bytes). */
export const FILE_NAME_HEADER = 'x-geovault-file-name';
/** Which node served a download (the gateway reports it; tests check fail-over). */
export const SERVED_BY_HEADER = 'x-geovault-served-by';
/** The primary asks replicas to check the hash it computed (PUT /v1/replicas). */
export const EXPECTED_SHA256_HEADER = 'x-geovault-sha256';

/**
 * A download may also be asked for as a raw byte stream: `GET /v1/files/:userId/:fileId` with
 * `Connection: Upgrade` and `Upgrade: geovault-blob`. The node answers 101 with the headers of
 * a normal download plus STREAM_STATUS_HEADER (200 or 206), then exactly Content-Length bytes,
 * and closes; a refusal is a normal HTTP error answer. An HTTP client copies every body byte
 * it parses; the gateway relays the raw socket's chunks instead (npm run bench:gateway).
 */
/**
 * `?content=exact` on a download: the content with that id itself (a version, DESIGN §5), not
 * what the file item of that id shows now (a file's first content has the item's id).
 */
export const EXACT_CONTENT_QUERY = 'content=exact';

export const BLOB_STREAM_PROTOCOL = 'geovault-blob';
export const STREAM_STATUS_HEADER = 'x-geovault-status';

export interface RepairResult {
  node: string;
  /** What the node found before repairing. */
  before: ReplicaState | 'missing' | 'unreachable';
  after: ReplicaState | 'missing' | 'unreachable';
  repaired: boolean;
  source?: string;
}

/** GET /v1/files/:userId query: one page of a folder (the user's root by default). */
export const LIST_SORTS = ['name', 'modified', 'size'] as const;
export type ListSort = (typeof LIST_SORTS)[number];
export type ListOrder = 'asc' | 'desc';
export const MAX_PAGE_ITEMS = 1000;
export const listQuerySchema = z.object({
  folder: uuid.optional(),
  sort: z.enum(LIST_SORTS).default('modified'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_ITEMS).default(200),
  cursor: z.string().max(2048).optional(),
});
export type ListQuery = z.infer<typeof listQuerySchema>;

/** A user's quota: logical bytes of committed files against the limit, and the file count. */
export interface UsageView {
  used: number;
  limit: number;
  files: number;
  /** What `used` is made of (DESIGN §5): current contents, older versions, the trash. */
  breakdown?: { files: number; versions: number; trash: number };
}

/** GET /v1/files/:userId answer. */
export interface FileListPage {
  files: FileView[];
  /** Pass back as `cursor` for the next page; absent on the last one. */
  cursor?: string;
  usage: UsageView;
}

/**
 * GET /v1/upload-knowledge/:userId/:fileId (peers only): what this node knows of an upload, asked by a
 * node that holds a copy with no entry before it removes it as an orphan.
 */
export const uploadKnowledgeSchema = z.object({
  /** This node is coordinating the upload right now. */
  inProgress: z.boolean(),
  /** The file's entry (or its tombstone) is in this node's index. */
  entry: z.enum(['none', 'present', 'deleted']),
});
export type UploadKnowledge = z.infer<typeof uploadKnowledgeSchema>;
