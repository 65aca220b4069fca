import type { NodeId } from '../gossip/frames';
import type { ReplicationContext } from '../replication/replicationContext';
import type { MasterKeyring } from '../storage/encryption/masterKeys';
import type { PartialHolders } from './partialHolders';
import type { ResumableStore } from './resumableStore';
import type { CommittedStates } from './committedStates';
import type { RunningHashes } from './runningHashes';
import type { StandbyAppends } from './standbyAppends';
import { loadUploadState, type UploadState } from './uploadState';

/** What the coordinator's side of resumable uploads works with (resumableUploads.ts builds it). */
export interface ResumableDeps {
  ctx: ReplicationContext;
  /** This node as a holder. */
  store: ResumableStore;
  holders: PartialHolders;
  hashes: RunningHashes;
  /** Each upload's state after the last PATCH this node coordinated, for the next one. */
  committed: CommittedStates;
  /** The next PATCH's appends, opened on the holders as the last one was stored on all. */
  standby: StandbyAppends;
  keyring: MasterKeyring;
  /** Uploads a PATCH or a completion is running for on this node now. */
  busy: Set<string>;
}

/** The upload as its reachable holders see it; undefined when none knows it. */
export function loadState(deps: ResumableDeps, userId: string, uploadId: string): Promise<UploadState | undefined> {
  const { ctx } = deps;
  return loadUploadState(
    { self: ctx.self, allNodes: ctx.allNodes, liveNodes: () => ctx.mesh.liveNodes(), replicas: ctx.settings.replicas, writeQuorum: ctx.settings.writeQuorum, holders: deps.holders },
    userId,
    uploadId,
  );
}

/**
 * Removes the upload on every live holder at once and releases its reservation. A holder not
 * seen alive right now is asked too, without waiting on it: on a loaded machine it is often
 * only suspected for a moment, and skipping it left its partial to the 24 h expiry.
 */
export async function removeEverywhere(deps: ResumableDeps, state: UploadState): Promise<void> {
  const { ctx } = deps;
  const live = new Set(ctx.mesh.liveNodes());
  const remove = (node: NodeId) =>
    deps.holders.remove(node, state.userId, state.uploadId).catch((error: unknown) => {
      // Its expiry removes it there in the end (uploads/expiry.ts).
      ctx.logger.warn({ node, uploadId: state.uploadId, err: error }, 'could not remove a resumable upload on a holder; its expiry will');
    });
  const holders = [...new Set([...state.records.keys(), ...state.record.meta.holders])];
  for (const node of holders) if (node !== ctx.self && !live.has(node)) void remove(node);
  await Promise.all(holders.filter((node) => node === ctx.self || live.has(node)).map(remove));
  if (state.phase !== 'completed') ctx.quota.client.releaseEverywhere(state.userId, state.uploadId);
  deps.hashes.forget(state.uploadId);
  deps.committed.forget(state.uploadId);
  deps.standby.cancel(state.uploadId);
}
