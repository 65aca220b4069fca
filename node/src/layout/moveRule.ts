import type { NodeId } from '../gossip/frames';

/**
 * When an old holder may drop a copy that a new layout moved elsewhere (DESIGN §12), pure.
 * The copy stays until every new holder stores the file — `replicas` of them — so the cluster
 * never has fewer stored copies than configured, not even for a moment.
 */

/** keep: this node is a holder; wait: some new holder has no stored copy yet; ready: ask them. */
export type CopyVerdict = 'keep' | 'wait' | 'ready';

export function displacedCopyVerdict(opts: {
  self: NodeId;
  /** The file's holders under the current layout. */
  holders: readonly NodeId[];
  /** Whether the index's replica record of `node` says stored, with the file's hash. */
  storedOn: (node: NodeId) => boolean;
  replicas: number;
}): CopyVerdict {
  if (opts.holders.includes(opts.self)) return 'keep';
  // Fewer active nodes than copies (a decommission left too few): every copy is worth keeping.
  if (opts.holders.length < opts.replicas) return 'wait';
  return opts.holders.every((node) => opts.storedOn(node)) ? 'ready' : 'wait';
}

/** A new holder's answer to "do you hold these stored?" (POST /v1/layout/holdings). */
export interface HolderAnswer {
  version: number;
  stored: boolean;
}

/**
 * The last check before a copy goes: every new holder answered, under the same layout version
 * as ours (a holder on another version might be about to drop its own copy), that it holds the
 * file stored and whole. Records in the index can lag; these answers are the holders' own word.
 */
export function mayDropCopy(opts: { holders: readonly NodeId[]; version: number; replicas: number; answers: ReadonlyMap<NodeId, HolderAnswer | undefined> }): boolean {
  if (opts.holders.length < opts.replicas) return false;
  return opts.holders.every((node) => {
    const answer = opts.answers.get(node);
    return answer !== undefined && answer.version === opts.version && answer.stored;
  });
}
