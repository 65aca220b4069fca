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
  deleted: z.boolean(),
});
export type FileEntry = z.infer<typeof fileEntrySchema>;

export const replicaStateSchema = z.enum(['stored', 'pending', 'corrupt']);
export type ReplicaState = z.infer<typeof replicaStateSchema>;

/** `replica/<nodeId>/<userId>/<fileId>`: written only by that node. */
export const replicaRecordSchema = z.object({
  state: replicaStateSchema,
  sha256: sha256Schema.optional(),
  at: z.iso.datetime(),
});
export type ReplicaRecord = z.infer<typeof replicaRecordSchema>;

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
