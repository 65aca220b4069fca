import { z } from 'zod';
import { nodeIdSchema } from '../gossip/frames';

/**
 * The cluster layout's wire contract (DESIGN §12): GET|POST /v1/layout, POST /v1/join and
 * POST /v1/layout/holdings. A layout is versioned; an admin applies version N+1 only on top of
 * version N (Garage's `layout apply --version`), and the highest version wins everywhere.
 */

export const LAYOUT_NODE_STATES = ['active', 'draining', 'removed', 'decommissioned'] as const;
export const layoutNodeStateSchema = z.enum(LAYOUT_NODE_STATES);
export type LayoutNodeState = z.infer<typeof layoutNodeStateSchema>;

const port = z.number().int('an integer port').min(1, 'a port from 1 to 65535').max(65535, 'a port from 1 to 65535');

/** Where a node runs and what the map shows of it. */
export const nodeAddressSchema = z.strictObject({
  id: nodeIdSchema,
  label: z.string().min(1, 'a non-empty display name').max(80),
  region: z.string().min(1).max(40),
  lat: z.number().min(-90, 'a latitude from -90 to 90').max(90, 'a latitude from -90 to 90'),
  lon: z.number().min(-180, 'a longitude from -180 to 180').max(180, 'a longitude from -180 to 180'),
  host: z.string().min(1, 'a host name or IP address').max(253),
  port,
});
export type NodeAddress = z.infer<typeof nodeAddressSchema>;

export const layoutNodeSchema = nodeAddressSchema.extend({
  /** Relative weight, informative for now: placement treats every active node alike. */
  capacity: z.number().int().positive().max(1_000_000).optional(),
  state: layoutNodeStateSchema,
});
export type LayoutNode = z.infer<typeof layoutNodeSchema>;

export const MAX_LAYOUT_NODES = 64;

export const clusterLayoutSchema = z.strictObject({
  version: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  nodes: z.array(layoutNodeSchema).max(MAX_LAYOUT_NODES),
});
export type ClusterLayout = z.infer<typeof clusterLayoutSchema>;

/** One change of a new layout version. */
export const layoutChangeSchema = z.discriminatedUnion('op', [
  /** A node joins placement as `active` (or comes back after it was removed). */
  z.strictObject({ op: z.literal('add'), node: nodeAddressSchema.extend({ capacity: z.number().int().positive().max(1_000_000).optional() }) }),
  /** No new placements; its files move to the others. */
  z.strictObject({ op: z.literal('drain'), id: nodeIdSchema }),
  /** A draining node takes placements again. */
  z.strictObject({ op: z.literal('activate'), id: nodeIdSchema }),
  /** A drained node leaves the layout (refused while it holds copies that exist nowhere else). */
  z.strictObject({ op: z.literal('remove'), id: nodeIdSchema }),
  /** A member that stays dead leaves the layout, so that tombstones waiting for it are collected. */
  z.strictObject({ op: z.literal('decommission'), id: nodeIdSchema }),
]);
export type LayoutChange = z.infer<typeof layoutChangeSchema>;

export const applyLayoutRequestSchema = z.strictObject({
  /** The version this change makes: exactly the current version + 1. */
  version: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  changes: z.array(layoutChangeSchema).min(1).max(MAX_LAYOUT_NODES),
});
export type ApplyLayoutRequest = z.infer<typeof applyLayoutRequestSchema>;

/** GET /v1/layout, and the answer to a POST. */
export interface LayoutAnswer {
  layout: ClusterLayout;
  /** Nodes known by address that are not in the layout yet (they joined and wait to be added). */
  joined: NodeAddress[];
}

/** POST /v1/join: a node starting with the address of any member introduces itself. */
export const joinRequestSchema = z.strictObject({ node: nodeAddressSchema });
export type JoinRequest = z.infer<typeof joinRequestSchema>;
/** The answer: every node the member knows the address of, itself included, and its layout. */
export const joinAnswerSchema = z.object({ self: nodeIdSchema, nodes: z.array(nodeAddressSchema).max(256), layout: clusterLayoutSchema });
export type JoinAnswer = z.infer<typeof joinAnswerSchema>;

/**
 * POST /v1/layout/holdings: before an old holder drops a copy that moved, it asks each new
 * holder whether it holds that file stored, under which layout version.
 */
export const MAX_HOLDINGS_PER_REQUEST = 256;
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lower-case UUID');
export const holdingsRequestSchema = z.strictObject({
  files: z.array(z.strictObject({ userId: uuid, fileId: uuid })).min(1).max(MAX_HOLDINGS_PER_REQUEST),
});
export type HoldingsRequest = z.infer<typeof holdingsRequestSchema>;
export const holdingsAnswerSchema = z.object({ version: z.number().int().nonnegative(), stored: z.array(z.boolean()) });
export type HoldingsAnswer = z.infer<typeof holdingsAnswerSchema>;

/** Data moving after a layout change, as /v1/status shows it (layout/rebalancer.ts). */
export interface RebalanceSummary {
  layoutVersion: number;
  phase: 'idle' | 'walking' | 'waiting' | 'done';
  passes: number;
  /** Files still to move here: pulls this node owes itself, and its copies waiting for their new holders. */
  toMove: number;
  /** Files moved since the layout changed: pulled in, and copies dropped once stored elsewhere. */
  moved: number;
  /** Files moved per second over the last few seconds. */
  ratePerSecond: number;
  incoming: { moved: number; remaining: number };
  outgoing: { moved: number; waiting: number; found: number };
}
