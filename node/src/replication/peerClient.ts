import http from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { NodeId } from '../gossip/frames';
import { signRequest } from '../../../common/signing/requestSigning';
import type { LinkSimulator } from '../transport/linkSimulator';
import { LinkCutError, LinkStream } from '../transport/linkStream';
import { EXPECTED_SHA256_HEADER, uploadKnowledgeSchema, type RepairResult, type UploadKnowledge } from '../api/files';
import type { QuotaRequest } from '../api/quota';
import type { ByteRange, WriteResult } from '../storage/blobStore';
import type { MasterKeyring } from '../storage/encryption/masterKeys';
import { BlobDecoder } from '../storage/encryption/blobDecoder';
import {
  BLOB_ACCEPT_HEADER,
  BLOB_FORMAT_HEADER,
  parsePair,
  PLAIN_RANGE_HEADER,
  PLAIN_SIZE_HEADER,
  SEALED_CRC32_TRAILER,
  SEALED_SHA256_TRAILER,
  sealedTrailersOf,
  SEGMENTS_HEADER,
} from '../storage/encryption/replicaWire';
import type { SealedFingerprint } from '../storage/encryption/sealedCopy';
import { keepAliveAgent } from '../../../common/http/keepAlive';

export class PeerRequestError extends Error {
  constructor(
    readonly peer: NodeId,
    readonly status: number,
    message: string,
  ) {
    super(`${peer}: ${message}`);
  }
}

export interface PeerAddress {
  host: string;
  port: number;
}

/**
 * Node-to-node HTTP for replica bytes: signed with the cluster secret, and every byte passes
 * through the simulated link (delay, window, partitions) in both directions.
 */
/**
 * Time limits of peer calls: a peer that stopped answering (frozen, not gone) must fail a call,
 * not hold it for ever. Idle limits count silence on the socket, so a long transfer that keeps
 * moving is never cut; a control call has a deadline for its whole answer.
 */
const CONTROL_DEADLINE_MS = 10_000;
/** verify re-hashes the whole replica on the peer before it answers. */
const VERIFY_DEADLINE_MS = 120_000;
/** Covers the wait for a replica's final fsync once its last byte is sent. */
const REPLICA_PUT_IDLE_MS = 120_000;
const REPLICA_GET_IDLE_MS = 30_000;

export class PeerClient {
  private readonly agent = keepAliveAgent(32);

  constructor(
    private readonly opts: {
      self: NodeId;
      secret: string;
      peers: ReadonlyMap<NodeId, PeerAddress>;
      links: LinkSimulator;
      /** Opens encrypted replicas read from peers (readReplica); without it only plaintext is asked for. */
      keyring?: MasterKeyring;
      logger: Logger;
    },
  ) {}

  /**
   * Streams `body` to `peer` as its replica; resolves with what the peer stored (the plaintext's
   * size and hash). `format` says whether the body is an encrypted blob or plaintext.
   */
  async putReplica(
    peer: NodeId,
    userId: string,
    fileId: string,
    body: Readable,
    opts: {
      sha256?: string;
      signal?: AbortSignal;
      format?: 'blob' | 'plaintext';
      /** A blob sealed by this node for an upload: its fingerprint, known once `body` has ended, goes in trailers. */
      fingerprint?: () => SealedFingerprint | undefined;
    } = {},
  ): Promise<WriteResult> {
    const path = `/v1/replicas/${userId}/${fileId}`;
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/octet-stream' };
    if (opts.sha256) headers[EXPECTED_SHA256_HEADER] = opts.sha256;
    if (opts.format) headers[BLOB_FORMAT_HEADER] = opts.format;
    if (opts.fingerprint) headers.trailer = `${SEALED_SHA256_TRAILER}, ${SEALED_CRC32_TRAILER}`;
    const req = this.request(peer, 'PUT', path, headers, opts.signal, { streamed: true });
    idleLimit(req, REPLICA_PUT_IDLE_MS);
    const response = this.response(req, peer);
    const stages: Array<NodeJS.ReadableStream | NodeJS.ReadWriteStream> = [body, new LinkStream(this.opts.links, peer)];
    const { fingerprint } = opts;
    if (fingerprint) {
      // Trailers must be added before the request ends, and after the body's last byte.
      stages.push(
        new Transform({
          transform: (chunk: Buffer, _encoding, callback) => callback(null, chunk),
          flush: (callback) => {
            const known = fingerprint();
            if (known) req.addTrailers(sealedTrailersOf(known));
            callback();
          },
        }),
      );
    }
    // If the request fails, `response` rejects too; the pipeline error is the less useful one.
    const sent = pipeline([...stages, req]).catch((error: unknown) => {
      req.destroy(error as Error);
    });
    const res = await response;
    await sent;
    return (await this.json(peer, res)) as WriteResult;
  }

  /**
   * The peer's replica as it stores it, for a repair to store as it comes (BlobStore.write tells
   * an encrypted blob from the plaintext of one written before encryption). With a range, the
   * plaintext of that range (readReplica).
   */
  async getReplica(
    peer: NodeId,
    userId: string,
    fileId: string,
    range?: ByteRange,
    signal?: AbortSignal,
  ): Promise<{ stream: Readable; status: number; headers: http.IncomingHttpHeaders }> {
    if (range) return this.readReplica(peer, userId, fileId, range, signal);
    return this.fetchReplica(peer, userId, fileId, undefined, signal);
  }

  /**
   * The plaintext of the peer's replica, or of a byte range of it: the peer sends the stored
   * ciphertext (for a range, its header and only the segments the range touches) and this
   * node opens it, checking every tag, so the bytes cross the link encrypted.
   */
  async readReplica(
    peer: NodeId,
    userId: string,
    fileId: string,
    range?: ByteRange,
    signal?: AbortSignal,
  ): Promise<{ stream: Readable; status: number; headers: http.IncomingHttpHeaders }> {
    const answer = await this.fetchReplica(peer, userId, fileId, range, signal);
    if (answer.headers[BLOB_FORMAT_HEADER] !== 'blob') return answer;
    const plainSize = Number(answer.headers[PLAIN_SIZE_HEADER]);
    const plainRange = parsePair(answer.headers[PLAIN_RANGE_HEADER]);
    const segments = parsePair(answer.headers[SEGMENTS_HEADER]);
    const keyring = this.opts.keyring;
    if (!keyring || !Number.isSafeInteger(plainSize) || !plainRange || (range && !segments)) {
      answer.stream.destroy();
      throw new PeerRequestError(peer, 0, keyring ? 'the replica came without its size or range' : 'an encrypted replica, and this node has no master key');
    }
    const decoder = new BlobDecoder({
      keys: keyring,
      output: 'plaintext',
      plainSize,
      ...(range && segments ? { span: { first: segments.first, last: segments.second }, rangeStart: plainRange.first, length: plainRange.second - plainRange.first + 1 } : {}),
    });
    answer.stream.on('error', (error) => decoder.destroy(error));
    decoder.on('close', () => answer.stream.destroy());
    return { stream: answer.stream.pipe(decoder), status: answer.status, headers: answer.headers };
  }

  private async fetchReplica(
    peer: NodeId,
    userId: string,
    fileId: string,
    range: ByteRange | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ stream: Readable; status: number; headers: http.IncomingHttpHeaders }> {
    const headers: http.OutgoingHttpHeaders = range ? { range: `bytes=${range.start}-${range.end}` } : {};
    if (this.opts.keyring) headers[BLOB_ACCEPT_HEADER] = 'blob';
    await this.oneWayDelay(peer);
    const req = this.request(peer, 'GET', `/v1/replicas/${userId}/${fileId}`, headers, signal);
    idleLimit(req, REPLICA_GET_IDLE_MS);
    req.end();
    const res = await this.response(req, peer);
    if (res.statusCode !== 200 && res.statusCode !== 206) {
      await this.json(peer, res);
    }
    const stream = res.pipe(new LinkStream(this.opts.links, peer));
    res.on('error', (error) => stream.destroy(error));
    return { stream, status: res.statusCode!, headers: res.headers };
  }

  async deleteReplica(peer: NodeId, userId: string, fileId: string): Promise<void> {
    await this.call(peer, 'DELETE', `/v1/replicas/${userId}/${fileId}`);
  }

  /** Asks `peer` to verify (and repair) its replica now. */
  async verifyReplica(peer: NodeId, userId: string, fileId: string): Promise<RepairResult> {
    return (await this.call(peer, 'POST', `/v1/replicas/${userId}/${fileId}/verify`, VERIFY_DEADLINE_MS)) as RepairResult;
  }

  /** What `peer` knows of an upload (orphanCheck.ts). */
  async uploadKnowledge(peer: NodeId, userId: string, fileId: string): Promise<UploadKnowledge> {
    return uploadKnowledgeSchema.parse(await this.call(peer, 'GET', `/v1/upload-knowledge/${userId}/${fileId}`));
  }

  /** Asks `peer`, the user's quota owner, to reserve, grow or release; 413 when it refuses. */
  async quota(peer: NodeId, userId: string, request: QuotaRequest): Promise<void> {
    await this.oneWayDelay(peer);
    const body = JSON.stringify(request);
    const path = `/v1/quota/${userId}`;
    const req = this.request(peer, 'POST', path, { 'content-type': 'application/json' }, AbortSignal.timeout(CONTROL_DEADLINE_MS), { body });
    req.end(body);
    await this.json(peer, await this.response(req, peer));
  }

  /**
   * A signed call whose answer the caller reads whatever its status (resumable uploads' holder
   * calls, partialPeers.ts): a JSON body, a streamed body (its bytes through the link), or none.
   */
  async exchange(
    peer: NodeId,
    method: string,
    path: string,
    opts: { json?: unknown; stream?: Readable; signal?: AbortSignal; deadlineMs?: number } = {},
  ): Promise<{ status: number; body: unknown }> {
    await this.oneWayDelay(peer);
    const deadline = opts.deadlineMs === undefined ? undefined : AbortSignal.timeout(opts.deadlineMs);
    const signal = deadline && opts.signal ? AbortSignal.any([deadline, opts.signal]) : (deadline ?? opts.signal);
    if (opts.stream) {
      const req = this.request(peer, method, path, { 'content-type': 'application/octet-stream' }, signal, { streamed: true });
      idleLimit(req, REPLICA_PUT_IDLE_MS);
      const response = this.response(req, peer);
      const sent = pipeline(opts.stream, new LinkStream(this.opts.links, peer), req).catch((error: unknown) => {
        req.destroy(error as Error);
      });
      const res = await response;
      const answer = await this.readJson(peer, res);
      // A refusal comes before the body is read (busy, behind): stop sending it.
      if (answer.status >= 300) req.destroy();
      else await sent;
      return answer;
    }
    const body = opts.json === undefined ? undefined : JSON.stringify(opts.json);
    const req = this.request(peer, method, path, body === undefined ? {} : { 'content-type': 'application/json' }, signal, body === undefined ? {} : { body });
    req.end(body);
    return this.readJson(peer, await this.response(req, peer));
  }

  /** A GET whose answer is a byte stream (a partial's bytes), through the link; throws on an error status. */
  async fetchBytes(peer: NodeId, path: string, signal?: AbortSignal): Promise<Readable> {
    await this.oneWayDelay(peer);
    const req = this.request(peer, 'GET', path, {}, signal);
    idleLimit(req, REPLICA_GET_IDLE_MS);
    req.end();
    const res = await this.response(req, peer);
    if (res.statusCode !== 200) await this.json(peer, res);
    const stream = res.pipe(new LinkStream(this.opts.links, peer));
    res.on('error', (error) => stream.destroy(error));
    return stream;
  }

  close(): void {
    this.agent.destroy();
  }

  private async call(peer: NodeId, method: string, path: string, deadlineMs = CONTROL_DEADLINE_MS): Promise<unknown> {
    await this.oneWayDelay(peer);
    const req = this.request(peer, method, path, {}, AbortSignal.timeout(deadlineMs));
    req.end();
    try {
      return await this.json(peer, await this.response(req, peer));
    } catch (error) {
      if (req.destroyed && (error as Error).name === 'AbortError') throw new PeerRequestError(peer, 0, `no answer within ${deadlineMs / 1000} s`);
      throw error;
    }
  }

  private request(
    peer: NodeId,
    method: string,
    path: string,
    headers: http.OutgoingHttpHeaders,
    signal?: AbortSignal,
    payload: { streamed?: boolean; body?: string } = {},
  ): http.ClientRequest {
    const address = this.opts.peers.get(peer);
    if (!address) throw new PeerRequestError(peer, 0, 'not a configured peer');
    if (this.opts.links.isCut(peer)) throw new LinkCutError(peer);
    return http.request({
      host: address.host,
      port: address.port,
      method,
      path,
      agent: this.agent,
      signal,
      headers: { ...headers, ...signRequest(this.opts.secret, this.opts.self, method, path, payload) },
    });
  }

  private response(req: http.ClientRequest, peer: NodeId): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', (error) => reject(error instanceof LinkCutError ? error : new PeerRequestError(peer, 0, error.message)));
    });
  }

  private async readJson(peer: NodeId, res: http.IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    await this.oneWayDelay(peer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { error: { message: text.slice(0, 200) } };
    }
    return { status: res.statusCode!, body };
  }

  private async json(peer: NodeId, res: http.IncomingMessage): Promise<unknown> {
    const { body } = await this.readJson(peer, res);
    if (res.statusCode! >= 300) {
      const message = (body as { error?: { message?: string } }).error?.message ?? `HTTP ${res.statusCode}`;
      throw new PeerRequestError(peer, res.statusCode!, message);
    }
    return body;
  }

  /** Small messages (requests, answers) pay one link delay, as on the wire. */
  private async oneWayDelay(peer: NodeId): Promise<void> {
    if (this.opts.links.isCut(peer)) throw new LinkCutError(peer);
    const delay = this.opts.links.sampleDelay(peer);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Cuts a request whose socket stays silent this long (see the limits at the top). */
function idleLimit(req: http.ClientRequest, ms: number): void {
  req.setTimeout(ms, () => req.destroy(new Error(`no byte moved for ${ms / 1000} s`)));
}
