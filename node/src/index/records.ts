import { z } from 'zod';
import { digestSchema, factSchema, hlcSchema, nodeIdSchema } from '../gossip/frames';

/**
 * What the index persists: the snapshot document and the log records replayed on top of it.
 * Both are parsed with these schemas on start, so a damaged file is reported, not half-used.
 */

const counter = z.number().int().nonnegative();

/** A collected tombstone's memory: see ReplicatedIndex.collectTombstones. */
export const graveSchema = z.object({ key: z.string(), version: hlcSchema, horizon: digestSchema });
export type Grave = z.infer<typeof graveSchema>;

export const indexSnapshotSchema = z.object({
  format: z.literal(1),
  self: nodeIdSchema,
  ownSeq: counter,
  changes: counter,
  watermarks: digestSchema,
  pending: z.record(nodeIdSchema, z.array(counter)),
  facts: z.array(factSchema),
  graves: z.array(graveSchema),
});
export type IndexSnapshot = z.infer<typeof indexSnapshotSchema>;

export const logRecordSchema = z.discriminatedUnion('t', [
  /** Facts that were new to this node (winners or not: both move the watermark). */
  z.object({ t: z.literal('facts'), facts: z.array(factSchema) }),
  /** A watermark advance taken from a complete answer (ReplicatedIndex.advance). */
  z.object({ t: z.literal('upTo'), upTo: digestSchema }),
  /** A tombstone collection, replayed with the same inputs (it is deterministic). */
  z.object({
    t: z.literal('gc'),
    peerDigests: z.record(nodeIdSchema, digestSchema),
    members: z.array(nodeIdSchema),
  }),
]);
export type LogRecord = z.infer<typeof logRecordSchema>;

/** Where the protocol driver persists records; IndexLog on disk, an array in tests. */
export interface RecordSink {
  /** Resolves once the records are durable (fsynced). */
  append(records: LogRecord[]): Promise<void>;
}
