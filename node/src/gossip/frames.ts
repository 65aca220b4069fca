import { z } from 'zod';

/**
 * The node-to-node wire contract (WS /v1/gossip). Every frame is JSON with a `type`; the
 * set of types only grows (never rename or reuse one). Frames from the network are parsed
 * with `parsePeerFrame` before anything else touches them.
 */

export const NODE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const nodeIdSchema = z.string().regex(NODE_ID_PATTERN, 'a node id: lower-case letters, digits and dashes');
export type NodeId = string;

const counter = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

// ---- membership (SWIM) ----

/**
 * What one node holds of another. `left` is a member that said goodbye (SIGTERM): not a
 * failure, so no suspicion, no retries and no alarm; it is forgotten after a while.
 */
export const memberStateSchema = z.enum(['alive', 'suspect', 'dead', 'left']);
export type MemberState = z.infer<typeof memberStateSchema>;

/**
 * The kinds of update on the wire. A leave travels as memberlist sends it: `dead` asserted by
 * the node itself (`from === node`), which a receiver records as `left`; nodes that predate
 * `left` read it as a death, and the frame stays valid for them.
 */
export const memberUpdateKindSchema = z.enum(['alive', 'suspect', 'dead']);
export type MemberUpdateKind = z.infer<typeof memberUpdateKindSchema>;

/** A membership change, piggybacked on SWIM frames. `from` is who asserts it. */
export const memberUpdateSchema = z.object({
  kind: memberUpdateKindSchema,
  node: nodeIdSchema,
  incarnation: counter,
  from: nodeIdSchema,
});
export type MemberUpdate = z.infer<typeof memberUpdateSchema>;

export const MAX_UPDATES_PER_FRAME = 64;
const updates = z.array(memberUpdateSchema).max(MAX_UPDATES_PER_FRAME);

export const pingFrameSchema = z.object({
  type: z.literal('ping'),
  seq: counter,
  /** Who the sender meant to reach, so a misrouted ping is not acked. */
  target: nodeIdSchema,
  updates,
});
export const ackFrameSchema = z.object({ type: z.literal('ack'), seq: counter, updates });
export const pingReqFrameSchema = z.object({
  type: z.literal('ping-req'),
  seq: counter,
  target: nodeIdSchema,
  /** Asks the helper for a `nack` if the target does not answer it in time (Lifeguard). */
  nack: z.boolean().optional(),
  updates,
});
/**
 * A ping-req helper's "I could not reach the target in time" (Lifeguard). It proves the path
 * requester ↔ helper works, so the requester's failed probe says the target is in trouble
 * rather than the requester itself. `seq` is the requester's ping-req seq.
 */
export const nackFrameSchema = z.object({ type: z.literal('nack'), seq: counter, updates });
/** Piggyback-only frame, sent when there are updates to spread but no probe to carry them. */
export const gossipFrameSchema = z.object({ type: z.literal('gossip'), updates });

// ---- replicated index (scuttlebutt anti-entropy) ----

/** Hybrid logical clock: wall ms, a counter for events in the same ms, and the node as tie-break. */
export const hlcSchema = z.object({ wall: counter, counter: counter, node: nodeIdSchema });
export type Hlc = z.infer<typeof hlcSchema>;

export const MAX_KEY_LENGTH = 512;
/** JSON value of an index entry; null is a tombstone. */
export const factSchema = z.object({
  origin: nodeIdSchema,
  seq: counter.min(1),
  key: z.string().min(1).max(MAX_KEY_LENGTH),
  value: z.json().nullable(),
  version: hlcSchema,
});
export type Fact = z.infer<typeof factSchema>;

/** origin → highest seq known with nothing missing below it. */
export const digestSchema = z.record(nodeIdSchema, counter);
export type Digest = z.infer<typeof digestSchema>;

export const MAX_FACTS_PER_FRAME = 1000;
/**
 * What one delta may carry, as JSON: a quarter of the transport's frame limit, so that a node
 * that fell behind on large values still catches up a frame at a time (at least one fact is
 * always sent, and a single fact is far smaller than the frame limit).
 */
export const MAX_DELTA_BYTES = 256 * 1024;

/** "Here is what I know; send me what I lack" (anti-entropy, once a second to one peer). */
/**
 * "Here is what I hold on disk; send what I lack." `from`, when given, is where to start
 * instead: what the asker holds plus answers already on their way to its disk (a catch-up asks
 * for the next part while it stores the last). Only `digest` counts as held (acks, GC).
 */
export const digestFrameSchema = z.object({ type: z.literal('digest'), digest: digestSchema, from: digestSchema.optional() });

/**
 * Facts, sent as an eager push (no upTo) or as the answer to a digest. `upTo[origin]` says the
 * facts of that origin are complete up to that seq relative to the digest answered, so the
 * receiver may advance its own digest even where superseded facts were left out. A `digest`
 * on an answer asks for the reverse difference (one answer more, never a loop).
 */
export const deltaFrameSchema = z.object({
  type: z.literal('delta'),
  facts: z.array(factSchema).max(MAX_FACTS_PER_FRAME),
  upTo: digestSchema.optional(),
  digest: digestSchema.optional(),
});

/**
 * "Everything up to this digest is on my disk": the answer to a push once it is committed,
 * so that the writer can count the copies of a change before acknowledging it (W=2).
 */
export const durableFrameSchema = z.object({ type: z.literal('durable'), digest: digestSchema });

export const peerFrameSchema = z.discriminatedUnion('type', [
  pingFrameSchema,
  ackFrameSchema,
  pingReqFrameSchema,
  gossipFrameSchema,
  nackFrameSchema,
  digestFrameSchema,
  deltaFrameSchema,
  durableFrameSchema,
]);

export type PingFrame = z.infer<typeof pingFrameSchema>;
export type AckFrame = z.infer<typeof ackFrameSchema>;
export type PingReqFrame = z.infer<typeof pingReqFrameSchema>;
export type GossipFrame = z.infer<typeof gossipFrameSchema>;
export type NackFrame = z.infer<typeof nackFrameSchema>;
export type DigestFrame = z.infer<typeof digestFrameSchema>;
export type DeltaFrame = z.infer<typeof deltaFrameSchema>;
export type DurableFrame = z.infer<typeof durableFrameSchema>;
export type PeerFrame = z.infer<typeof peerFrameSchema>;
export type MembershipFrame = PingFrame | AckFrame | PingReqFrame | GossipFrame | NackFrame;
export type AntiEntropyFrame = DigestFrame | DeltaFrame | DurableFrame;

export function isMembershipFrame(frame: PeerFrame): frame is MembershipFrame {
  return frame.type === 'ping' || frame.type === 'ack' || frame.type === 'ping-req' || frame.type === 'gossip' || frame.type === 'nack';
}

export type ParseResult = { ok: true; frame: PeerFrame } | { ok: false; reason: string };

/** Parses untrusted bytes from a peer. Never throws. */
export function parsePeerFrame(raw: string): ParseResult {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const result = peerFrameSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, frame: result.data };
}
