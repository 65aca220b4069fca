import type { Readable } from 'node:stream';
import { CHUNK_SHA256_HEADER, RESUMABLE_PATH, type CreateUploadRequest, type UploadResponse, type UploadView } from '../../../node/src/api/uploads';
import { AppError } from '../errors';
import type { NodeRouting } from '../files/nodeRouting';
import { fromNodeError } from '../files/nodeErrors';
import { NodeCallError, readJson, type NodeClient } from '../mesh/nodeClient';

export interface UploadOwner {
  id: string;
  region: string;
}

export interface ChunkToWrite {
  offset: number;
  body: Readable;
  contentLength?: number;
  /** Hex SHA-256 of this body (from Upload-Checksum), checked by the node. */
  chunkSha256?: string;
  /** Aborted when the client goes away mid-body: the node keeps what reached W nodes. */
  signal: AbortSignal;
}

const NOT_FOUND = 'No such upload.';
/** Uploads whose holders are remembered (least recently seen forgotten first). */
const HOLDER_HINTS = 4096;
/** A node that answered an upload's PATCH this recently takes the next one without a 100 Continue first. */
const JUST_ANSWERED_MS = 5_000;

/**
 * The nodes' uploads-in-progress API (node/src/api/uploads.ts) with the gateway's failover.
 * Nothing about an upload is kept here: every answer comes from the nodes, so any gateway (a
 * restarted one too) continues any upload. A node's 404 is the answer (a node that does not
 * hold an upload finds its holders); a node that cannot be reached or fails is skipped.
 */
export class MeshUploads {
  /**
   * Which nodes hold an upload, as last seen: only a hint for where to send its chunks (any
   * node takes them), bounded, and never needed: a restarted gateway simply starts without it.
   */
  private readonly holders = new Map<string, readonly string[]>();
  /** The node that answered each upload's last PATCH, and when (bounded as `holders` is). */
  private readonly lastAnswer = new Map<string, { node: string; at: number }>();

  constructor(
    private readonly client: NodeClient,
    private readonly routing: Pick<NodeRouting, 'order' | 'onNearestNode'>,
    private readonly isUsable: (node: string) => boolean,
  ) {}

  /**
   * Creates the upload (quota reserved for its length, 413 when it cannot fit). `on` names the
   * node to ask first (the one that made the upload's folders, so that it knows them).
   */
  async create(owner: UploadOwner, request: CreateUploadRequest, on?: string): Promise<UploadView> {
    const body = { headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(request)) };
    let last: unknown = new AppError('unavailable', 'No storage node is reachable; try again shortly.');
    for (const node of this.candidates(owner.region, on ? [on] : [])) {
      try {
        return this.seen((await this.client.json<UploadResponse>(node, 'POST', `${RESUMABLE_PATH}/${encodeURIComponent(owner.id)}`, body)).upload);
      } catch (error) {
        // A node that refused the connection or is failing did not keep it; the id is ours, so a
        // rare second creation after a timeout only leaves a reservation that expires.
        if (!(error instanceof NodeCallError) || !(error.unreachable || error.status === 503)) throw fromNodeError(error);
        last = fromNodeError(error);
      }
    }
    throw last;
  }

  get(owner: UploadOwner, uploadId: string): Promise<UploadView> {
    return this.routing.onNearestNode(owner.region, async (node) => this.seen((await this.client.json<UploadResponse>(node, 'GET', path(owner, uploadId))).upload), NOT_FOUND);
  }

  /** Finishes the commit of an upload whose bytes are all in (idempotent on the nodes). */
  complete(owner: UploadOwner, uploadId: string): Promise<UploadView> {
    return this.routing.onNearestNode(owner.region, async (node) => (await this.client.json<UploadResponse>(node, 'POST', `${path(owner, uploadId)}/complete`)).upload, NOT_FOUND);
  }

  /** tus termination: removed on every holder at once, its reservation released. */
  async remove(owner: UploadOwner, uploadId: string): Promise<void> {
    this.holders.delete(uploadId);
    this.lastAnswer.delete(uploadId);
    await this.routing.onNearestNode(owner.region, (node) => this.client.json<unknown>(node, 'DELETE', path(owner, uploadId)), NOT_FOUND);
  }

  /**
   * Streams one chunk to a holder of the upload (no hop through a node that would only relay
   * it), the nearest first; the node checks the offset and the length itself, so no call
   * precedes the bytes. The body waits for the node's 100 Continue, so a node that is down
   * has taken no byte and the next one gets the chunk; once bytes flow, a failure is the
   * client's to retry (tus: HEAD, then PATCH from the durable offset). To the node that
   * answered the upload's last PATCH a moment ago, it goes once the connection is up: the
   * round trip was ~2 ms of every 8 MiB PATCH before its first byte reached the node, and a
   * node that died since has closed its connections (a refused one takes no byte either).
   */
  async write(owner: UploadOwner, uploadId: string, chunk: ChunkToWrite): Promise<UploadView> {
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
    if (chunk.contentLength !== undefined) headers['content-length'] = chunk.contentLength;
    if (chunk.chunkSha256) headers[CHUNK_SHA256_HEADER] = chunk.chunkSha256;
    const target = `${path(owner, uploadId)}?offset=${chunk.offset}`;
    let last: unknown = new AppError('unavailable', 'No storage node is reachable; try again shortly.');
    for (const node of this.candidates(owner.region, this.holders.get(uploadId) ?? [])) {
      const answered = this.lastAnswer.get(uploadId);
      const untouchedUntil = answered?.node === node && Date.now() - answered.at < JUST_ANSWERED_MS ? 'connected' : 'continue';
      this.lastAnswer.delete(uploadId);
      try {
        const res = await this.client.request(node, 'PATCH', target, { headers, body: chunk.body, pool: 'stream', untouchedUntil, signal: chunk.signal });
        const upload = this.seen(((await readJson(node, res)) as UploadResponse).upload);
        if (!upload.completed) {
          this.lastAnswer.set(uploadId, { node, at: Date.now() });
          if (this.lastAnswer.size > HOLDER_HINTS) this.lastAnswer.delete(this.lastAnswer.keys().next().value!);
        }
        return upload;
      } catch (error) {
        if (!(error instanceof NodeCallError) || !error.bodyUntouched || chunk.signal.aborted) throw error;
        last = error;
      }
    }
    throw fromNodeError(last);
  }

  private seen(upload: UploadView): UploadView {
    this.holders.delete(upload.id);
    if (!upload.completed) {
      this.holders.set(upload.id, upload.holders);
      if (this.holders.size > HOLDER_HINTS) this.holders.delete(this.holders.keys().next().value!);
    }
    return upload;
  }

  /** Usable nodes to ask, `first` (those of them usable) ahead of the user's preference order. */
  private candidates(region: string, first: readonly string[]): string[] {
    const order = this.routing.order(region).filter((node) => this.isUsable(node));
    return [...order.filter((node) => first.includes(node)), ...order.filter((node) => !first.includes(node))];
  }
}

const path = (owner: UploadOwner, uploadId: string) => `${RESUMABLE_PATH}/${encodeURIComponent(owner.id)}/${encodeURIComponent(uploadId)}`;
