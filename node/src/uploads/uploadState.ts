import type { UploadView } from '../api/uploads';
import type { NodeId } from '../gossip/frames';
import { placeReplicas } from '../replication/placement';
import type { PartialHolders } from './partialHolders';
import type { PartialRecord } from './resumableRecords';

/** Where an upload stands across its holders, as a coordinator sees it now. */
export interface UploadState {
  readonly userId: string;
  readonly uploadId: string;
  /** Any record (they agree on everything but progress): metadata, header, times. */
  readonly record: PartialRecord;
  /** Reachable holders and their records. */
  readonly records: ReadonlyMap<NodeId, PartialRecord>;
  /** How far the upload is (the tus Upload-Offset): see durableProgress. */
  readonly offset: number;
  /** A holder whose record is at exactly `offset`: its tail is the tail there. */
  readonly base: NodeId | undefined;
  /** open: bytes to come; whole: every byte is in; stored/completed: finishing or done. */
  readonly phase: 'open' | 'whole' | 'stored' | 'completed';
  readonly completion?: PartialRecord['completion'];
  /**
   * Holders the records name that gave none when they were read, and why: for the error a
   * PATCH that cannot reach W of them answers, and for its log.
   */
  readonly unreached?: ReadonlyMap<NodeId, HolderUnreached>;
}

/** Why a holder gave no record: not alive in this node's view, no record there, or no answer. */
export type HolderUnreached = { reason: 'down' } | { reason: 'no_record' } | { reason: 'failed'; error: unknown };

/**
 * Pure: how far an upload is. Each holder records its own offset once its partial is fsynced;
 * a holder that was down is behind, and a PATCH still committing (or one that reached fewer
 * than W holders) leaves one ahead. The offset is the highest that W holders may hold: the W-th
 * highest, counting each holder that cannot be asked now as possibly at the top (it may be the
 * other copy of an acknowledged PATCH). So a PATCH still committing does not show, and a holder
 * that was down does not send the client back: the next PATCH (or the completion) first copies
 * what the others lack from the holder at that offset, and one ahead falls back to it.
 */
export function durableProgress(records: ReadonlyMap<NodeId, PartialRecord>, writeQuorum: number, unreachable = 0): Pick<UploadState, 'offset' | 'base' | 'phase' | 'completion'> {
  const all = [...records.entries()];
  const completed = all.find(([, record]) => record.state === 'completed');
  if (completed) return { offset: completed[1].length, base: completed[0], phase: 'completed', completion: completed[1].completion };
  const stored = all.find(([, record]) => record.state === 'stored');
  if (stored) return { offset: stored[1].length, base: stored[0], phase: 'stored' };
  // Among holders at one offset a sealed one is ahead: an empty file (every offset 0) or the
  // last byte in is whole once W holders sealed it, whichever of them answered first.
  const sealedFirst = (record: PartialRecord) => (record.state === 'sealed' ? 0 : 1);
  const byOffset = all.sort(([, a], [, b]) => b.offset - a.offset || sealedFirst(a) - sealedFirst(b));
  const rank = Math.min(byOffset.length, Math.max(1, writeQuorum - unreachable));
  const pick = byOffset[rank - 1];
  if (!pick) return { offset: 0, base: undefined, phase: 'open' };
  const [base, record] = pick;
  return { offset: record.offset, base, phase: record.state === 'sealed' ? 'whole' : 'open' };
}

/**
 * Reads an upload's records from its holders: the placement over every configured node first
 * (where it is unless nodes were down at its creation), then any holder those records name. A
 * holder that does not answer is left out; undefined when no holder knows the upload.
 */
export async function loadUploadState(
  deps: { self: NodeId; allNodes: readonly NodeId[]; liveNodes: () => NodeId[]; replicas: number; writeQuorum: number; holders: Pick<PartialHolders, 'get'> },
  userId: string,
  uploadId: string,
): Promise<UploadState | undefined> {
  const live = new Set(deps.liveNodes());
  const records = new Map<NodeId, PartialRecord>();
  const unanswered = new Map<NodeId, HolderUnreached>();
  const asked = new Set<NodeId>();
  const ask = async (nodes: NodeId[]) => {
    const fresh = nodes.filter((node) => !asked.has(node) && (node === deps.self || live.has(node)));
    for (const node of fresh) asked.add(node);
    await Promise.all(
      fresh.map(async (node) => {
        try {
          const record = await deps.holders.get(node, userId, uploadId);
          if (record) records.set(node, record);
          else unanswered.set(node, { reason: 'no_record' });
        } catch (error) {
          unanswered.set(node, { reason: 'failed', error });
        }
      }),
    );
  };
  await ask(placeReplicas(uploadId, deps.allNodes, deps.replicas));
  // Its holders were the nodes of the layout not held dead at its creation: since then a node
  // may have joined or left, and the placement above names others. Every member is few enough
  // to ask.
  if (records.size === 0) await ask([...deps.allNodes]);
  const named = new Set<NodeId>();
  for (const record of records.values()) for (const node of record.meta.holders) named.add(node);
  await ask([...named]);
  const first = records.values().next().value as PartialRecord | undefined;
  if (!first) return undefined;
  const unreached = new Map<NodeId, HolderUnreached>();
  for (const node of first.meta.holders) if (!records.has(node)) unreached.set(node, unanswered.get(node) ?? { reason: 'down' });
  // A holder that answered it has none holds no acknowledged copy either (its creation failed).
  const unreachable = [...unreached.values()].filter(({ reason }) => reason !== 'no_record').length;
  return { userId, uploadId, record: first, records, unreached, ...durableProgress(records, deps.writeQuorum, unreachable) };
}

/** The public view of an upload (api/uploads.ts). */
export function uploadView(state: Pick<UploadState, 'userId' | 'uploadId' | 'record' | 'offset' | 'completion'>): UploadView {
  const { record } = state;
  return {
    id: state.uploadId,
    userId: state.userId,
    length: record.length,
    offset: state.offset,
    filename: record.meta.filename,
    folderId: record.meta.folderId,
    filetype: record.meta.filetype,
    createdAt: new Date(record.createdAt).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
    holders: [...record.meta.holders],
    ...(state.completion ? { completed: state.completion } : {}),
  };
}
