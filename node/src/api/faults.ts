import { z } from 'zod';
import { nodeIdSchema } from '../gossip/frames';

/**
 * POST /v1/faults: inject or clear link faults at run time. Fields left out keep their value;
 * `clear: true` resets everything first, so `{clear: true}` alone heals the node.
 */
export const faultsRequestSchema = z.strictObject({
  clear: z.boolean().optional(),
  partitionedFrom: z.array(nodeIdSchema).max(64).optional(),
  lossPercent: z.number().min(0).max(100).nullable().optional(),
  paused: z.boolean().optional(),
});
export type FaultsRequest = z.infer<typeof faultsRequestSchema>;
