import { z } from 'zod';
import { digestSchema, factSchema, hlcSchema, nodeIdSchema } from '../gossip/frames';

/**
 * The index files of the first release (a snapshot document and log records replayed on top
 * of it), read once to import them into the store; and the grave, which the store keeps.
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
