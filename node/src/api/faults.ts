import { z } from 'zod';
import { nodeIdSchema } from '../gossip/frames';

/** Faults heal themselves: a forgotten partition must not keep a region away for good. */
export const DEFAULT_FAULT_SECONDS = 300;
export const MAX_FAULT_SECONDS = 3_600;

/**
 * POST /v1/faults: inject or clear link faults at run time. Fields left out keep their value;
 * `clear: true` resets everything first, so `{clear: true}` alone heals the node. Whatever is
 * left injected is cleared by the node itself `durationSeconds` after the request (default
 * DEFAULT_FAULT_SECONDS); each request sets the time anew.
 */
export const faultsRequestSchema = z.strictObject({
  clear: z.boolean().optional(),
  durationSeconds: z.number().int().min(1).max(MAX_FAULT_SECONDS).optional(),
  partitionedFrom: z.array(nodeIdSchema).max(64).optional(),
  lossPercent: z.number().min(0).max(100).nullable().optional(),
  paused: z.boolean().optional(),
});
export type FaultsRequest = z.infer<typeof faultsRequestSchema>;
