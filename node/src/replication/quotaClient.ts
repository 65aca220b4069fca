import type { Logger } from 'pino';
import type { QuotaRequest } from '../api/quota';
import type { NodeId } from '../gossip/frames';
import type { PeerClient } from './peerClient';
import { PeerRequestError } from './peerClient';
import { quotaOwners, type QuotaAuthority } from './quotaAuthority';
import { UploadError } from './uploadError';

/** A chunked body's reservation grows by this much at a time: one call to the owner per step, not per chunk. */
export const GROW_STEP_BYTES = 8 * 1024 * 1024;

export type QuotaAnswer = { ok: true } | { ok: false; message: string };

/** What a coordinator holds for one upload at the user's quota owner. */
export interface QuotaHold {
  /** Makes sure `total` bytes are covered, asking the owner for more when they are not. */
  cover(total: number): Promise<QuotaAnswer>;
  /** The upload is over: committed as a file (the owner holds the bytes until its entry arrives) or failed. */
  release(committedAs?: { userId: string; fileId: string }): void;
}

/**
 * The coordinator's side of the user's quota: the owner (quotaOwners) is asked to reserve
 * what an upload will store, here or over the wire; an owner that cannot be reached is passed
 * over for the next live one, as it would be once SWIM declares it dead.
 */
export class QuotaClient {
  constructor(
    private readonly deps: {
      self: NodeId;
      authority: QuotaAuthority;
      peers: PeerClient;
      liveNodes: () => NodeId[];
      logger: Logger;
    },
  ) {}

  async reserve(userId: string, uploadId: string, bytes: number): Promise<QuotaHold | { refused: string }> {
    let granted = 0;
    let owner: NodeId | undefined;
    const ask = async (op: 'reserve' | 'grow', amount: number): Promise<QuotaAnswer> => {
      const live = quotaOwners(userId, this.deps.liveNodes());
      // The owner that granted the rest first; one that took over starts this upload afresh.
      for (const candidate of owner ? [owner, ...live.filter((n) => n !== owner)] : live) {
        try {
          const answer = await this.call(candidate, userId, { op, uploadId, bytes: op === 'grow' && candidate !== owner ? granted + amount : amount });
          owner = candidate;
          return answer;
        } catch (error) {
          this.deps.logger.warn({ userId, owner: candidate, err: error }, 'quota owner unreachable; asking the next one');
        }
      }
      throw new UploadError('replication_failed', 'No node could be reached to decide the quota; try again.');
    };
    const first = await ask('reserve', bytes);
    if (!first.ok) return { refused: first.message };
    granted = bytes;
    return {
      cover: async (total) => {
        if (total <= granted) return { ok: true };
        // A step first, so that a long chunked body costs few calls; if the step does not fit
        // but the bytes themselves do, they are what counts.
        const step = Math.max(GROW_STEP_BYTES, total - granted);
        let answer = await ask('grow', step);
        if (answer.ok) granted += step;
        else if (step > total - granted) {
          answer = await ask('grow', total - granted);
          if (answer.ok) granted = total;
        }
        return answer;
      },
      release: (committedAs) => {
        if (!owner) return;
        this.call(owner, userId, { op: 'release', uploadId, committedAs }).catch((error: unknown) =>
          // The owner forgets it on restart, and a takeover starts afresh: nothing is lost.
          this.deps.logger.warn({ userId, uploadId, owner, err: error }, 'could not release a quota reservation'),
        );
      },
    };
  }

  /**
   * Makes sure the user's quota owner holds at least `bytes` for `uploadId` (a resumable
   * upload, whose coordinator may change between PATCHes: it holds nothing between them).
   */
  async ensure(userId: string, uploadId: string, bytes: number): Promise<QuotaAnswer> {
    for (const owner of quotaOwners(userId, this.deps.liveNodes())) {
      try {
        return await this.call(owner, userId, { op: 'ensure', uploadId, bytes });
      } catch (error) {
        this.deps.logger.warn({ userId, owner, err: error }, 'quota owner unreachable; asking the next one');
      }
    }
    throw new UploadError('replication_failed', 'No node could be reached to decide the quota; try again.');
  }

  /**
   * Ends a resumable upload's reservation at every live node, not only the current owner: the
   * owner may have changed while the upload lived, and releasing an unknown id is a no-op.
   */
  releaseEverywhere(userId: string, uploadId: string, committedAs?: { userId: string; fileId: string }): void {
    for (const node of this.deps.liveNodes()) {
      this.call(node, userId, { op: 'release', uploadId, ...(committedAs ? { committedAs } : {}) }).catch((error: unknown) =>
        this.deps.logger.warn({ userId, uploadId, node, err: error }, 'could not release a quota reservation'),
      );
    }
  }

  private async call(owner: NodeId, userId: string, request: QuotaRequest): Promise<QuotaAnswer> {
    if (owner === this.deps.self) return answerQuotaRequest(this.deps.authority, userId, request);
    try {
      await this.deps.peers.quota(owner, userId, request);
      return { ok: true };
    } catch (error) {
      if (error instanceof PeerRequestError && error.status === 413) return { ok: false, message: error.message };
      throw error;
    }
  }
}

/** The owner's answer, here or for a peer's POST /v1/quota/:userId. */
export function answerQuotaRequest(authority: QuotaAuthority, userId: string, request: QuotaRequest): QuotaAnswer {
  if (request.op === 'release') {
    authority.release(request.uploadId, request.committedAs);
    return { ok: true };
  }
  const result =
    request.op === 'reserve'
      ? authority.reserve(userId, request.uploadId, request.bytes)
      : request.op === 'ensure'
        ? authority.ensure(userId, request.uploadId, request.bytes)
        : authority.grow(userId, request.uploadId, request.bytes);
  return result.ok ? { ok: true } : { ok: false, message: result.error.message };
}
