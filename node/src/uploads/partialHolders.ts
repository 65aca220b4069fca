import type { Readable } from 'node:stream';
import { partialViewSchema, type CreatePartialRequest, type PartialView } from '../api/partials';
import type { UploadView } from '../api/uploads';
import type { NodeId } from '../gossip/frames';
import { AppError, NODE_ERRORS, type NodeErrorCode } from '../http/errors';
import type { PeerClient } from '../replication/peerClient';
import type { PartialRecord } from './resumableRecords';
import type { ResumableStore } from './resumableStore';

/** A holder's record as it travels (api/partials.ts). */
export function toPartialView(record: PartialRecord): PartialView {
  return {
    uploadId: record.uploadId,
    userId: record.userId,
    length: record.length,
    meta: record.meta,
    header: record.header.toString('base64'),
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    offset: record.offset,
    tail: record.tail.toString('base64'),
    state: record.state,
    completion: record.completion,
  };
}

function fromView(view: PartialView): PartialRecord {
  return {
    ...view,
    header: Buffer.from(view.header, 'base64'),
    tail: Buffer.from(view.tail, 'base64'),
    ...(view.completion ? { completion: view.completion } : { completion: undefined }),
  };
}

/** Control calls to a holder: a dead or frozen one must not hold a PATCH up for long. */
const CONTROL_DEADLINE_MS = 10_000;

/**
 * The coordinator's calls to an upload's holders, the same whether the holder is this node
 * (its ResumableStore, no HTTP) or a peer (POST /v1/partials/…, api/partials.ts). A peer's
 * error answer comes back as the AppError it stood for, its details (the offset) included.
 */
export class PartialHolders {
  constructor(
    private readonly self: NodeId,
    private readonly local: ResumableStore,
    private readonly peers: PeerClient,
  ) {}

  async create(node: NodeId, userId: string, uploadId: string, request: CreatePartialRequest): Promise<PartialRecord> {
    if (node === this.self) return this.local.create(userId, uploadId, request);
    return this.record(await this.peers.exchange(node, 'PUT', this.path(userId, uploadId), { json: request, deadlineMs: CONTROL_DEADLINE_MS }));
  }

  /** The holder's record, or undefined when it has none. */
  async get(node: NodeId, userId: string, uploadId: string): Promise<PartialRecord | undefined> {
    if (node === this.self) return this.local.record(userId, uploadId);
    const answer = await this.peers.exchange(node, 'GET', this.path(userId, uploadId), { deadlineMs: CONTROL_DEADLINE_MS });
    if (answer.status === 404) return undefined;
    return this.record(answer);
  }

  /** `standby`: opened ahead of the client's next PATCH (standbyAppends.ts). */
  async append(node: NodeId, userId: string, uploadId: string, stream: Readable, signal: AbortSignal, opts: { standby?: boolean } = {}): Promise<PartialRecord> {
    if (node === this.self) return this.local.append(userId, uploadId, stream, signal, opts);
    const query = opts.standby ? '?standby=1' : '';
    return this.record(await this.peers.exchange(node, 'POST', `${this.path(userId, uploadId)}/append${query}`, { stream, signal }));
  }

  async bytes(node: NodeId, userId: string, uploadId: string, from: number, to: number, signal?: AbortSignal): Promise<Readable> {
    if (node === this.self) return this.local.openBytes(userId, uploadId, from, to);
    return this.peers.fetchBytes(node, `${this.path(userId, uploadId)}/bytes?from=${from}&to=${to}`, signal);
  }

  async finish(node: NodeId, userId: string, uploadId: string, result: { sha256: string; size: number }): Promise<PartialRecord> {
    if (node === this.self) return this.local.finish(userId, uploadId);
    return this.record(await this.peers.exchange(node, 'POST', `${this.path(userId, uploadId)}/finish`, { json: result, deadlineMs: 60_000 }));
  }

  async completed(node: NodeId, userId: string, uploadId: string, completion: NonNullable<UploadView['completed']>): Promise<void> {
    if (node === this.self) return this.local.markCompleted(userId, uploadId, completion);
    this.check(await this.peers.exchange(node, 'POST', `${this.path(userId, uploadId)}/completed`, { json: completion, deadlineMs: CONTROL_DEADLINE_MS }));
  }

  async remove(node: NodeId, userId: string, uploadId: string): Promise<void> {
    if (node === this.self) {
      await this.local.remove(userId, uploadId);
      return;
    }
    this.check(await this.peers.exchange(node, 'DELETE', this.path(userId, uploadId), { deadlineMs: CONTROL_DEADLINE_MS }));
  }

  private path(userId: string, uploadId: string): string {
    return `/v1/partials/${userId}/${uploadId}`;
  }

  private record(answer: { status: number; body: unknown }): PartialRecord {
    this.check(answer);
    return fromView(partialViewSchema.parse((answer.body as { partial?: unknown }).partial));
  }

  private check(answer: { status: number; body: unknown }): void {
    if (answer.status < 300) return;
    const error = (answer.body as { error?: { code?: string; message?: string; offset?: number } }).error;
    const code = error?.code && error.code in NODE_ERRORS ? (error.code as NodeErrorCode) : 'replication_failed';
    throw new AppError(code, error?.message ?? `HTTP ${answer.status}`, {}, error?.offset === undefined ? {} : { offset: error.offset });
  }
}
