import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import { parsePeerFrame, type NodeId, type PeerFrame } from '../gossip/frames';
import { signRequest, SIGNATURE_WINDOW_MS, TIME_HEADER } from '../../../common/signing/requestSigning';
import { CLOCK_SKEW_WARN_MS, ClockSkewTable, estimateClockSkew, parsePeerTime } from './clockSkew';
import type { FrameHandler, Transport } from './transport';
import type { LinkSimulator } from './linkSimulator';

export const GOSSIP_PATH = '/v1/gossip';
/** Gossip frames are small; a peer sending more than this is broken or hostile. */
export const MAX_FRAME_BYTES = 1024 * 1024;

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

export interface WsTransportOptions {
  self: NodeId;
  /** ws://host:port of each peer. */
  peerUrls: ReadonlyMap<NodeId, string>;
  secret: string;
  links: LinkSimulator;
  logger: Logger;
  /** Our wall clock (tests shift it to play a node whose clock is off). */
  now?: () => number;
}

/**
 * Gossip over WebSockets. Each node dials every peer and sends on that outbound socket; it
 * receives on the sockets its peers dialled. Two sockets per pair keep the code free of
 * dial races, and a dead peer costs one reconnect loop with backoff.
 */
export class WsTransport implements Transport {
  readonly localId: NodeId;
  private handler: FrameHandler = () => {};
  private disconnectListener: (peer: NodeId) => void = () => {};
  private readonly outbound = new Map<NodeId, OutboundLink>();
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  private closed = false;
  private started = false;
  private readonly now: () => number;
  /** Frames dropped for failing validation, for the status page and tests. */
  malformedFrames = 0;
  /** Each peer's clock against ours, measured at every handshake we dial. */
  readonly clockSkew = new ClockSkewTable();

  constructor(private readonly opts: WsTransportOptions) {
    this.localId = opts.self;
    this.now = opts.now ?? Date.now;
    for (const [peer, url] of opts.peerUrls) this.outbound.set(peer, this.link(peer, url));
    // Our time on the handshake's answer, so that the dialer can measure its skew against us.
    this.server.on('headers', (headers) => headers.push(`${TIME_HEADER}: ${this.now()}`));
  }

  start(): void {
    this.started = true;
    for (const link of this.outbound.values()) link.connect();
  }

  /**
   * A peer learnt while running (a region that joined, or one that moved): dialled at once,
   * and allowed to gossip with us. The same address again changes nothing.
   */
  addPeer(peer: NodeId, url: string): void {
    if (this.closed || peer === this.localId) return;
    const existing = this.outbound.get(peer);
    if (existing?.url === url) return;
    existing?.close();
    const link = this.link(peer, url);
    this.outbound.set(peer, link);
    if (this.started) link.connect();
  }

  private link(peer: NodeId, url: string): OutboundLink {
    const now = this.now;
    return new OutboundLink(peer, url, { ...this.opts, now }, this.opts.logger.child({ peer }), () => this.disconnectListener(peer), (skewMs) =>
      this.clockSkew.record(peer, skewMs, now()),
    );
  }

  send(to: NodeId, frame: PeerFrame): void {
    const link = this.outbound.get(to);
    if (!link || this.closed) return;
    const payload = JSON.stringify(frame);
    this.opts.links.sendDatagram(to, () => link.send(payload));
  }

  onFrame(handler: FrameHandler): void {
    this.handler = handler;
  }

  /** Called when an open connection to a peer breaks (its process died or restarted). */
  onPeerDisconnected(listener: (peer: NodeId) => void): void {
    this.disconnectListener = listener;
  }

  /** Whether the outbound socket to `peer` is open right now (for the status page). */
  isConnected(peer: NodeId): boolean {
    return this.outbound.get(peer)?.isOpen() ?? false;
  }

  /**
   * Takes over an upgrade request already authenticated by the HTTP layer (which knows the
   * caller from the signature). Only configured peers may gossip.
   */
  acceptUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, caller: string): void {
    if (!this.outbound.has(caller) || this.closed) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.receiveFrom(caller, ws));
  }

  private receiveFrom(peer: NodeId, ws: WebSocket): void {
    const log = this.opts.logger.child({ peer, direction: 'in' });
    log.debug('gossip connection accepted');
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.malformedFrames++;
        log.warn('dropped a binary gossip frame');
        return;
      }
      const parsed = parsePeerFrame(data.toString());
      if (!parsed.ok) {
        this.malformedFrames++;
        log.warn({ reason: parsed.reason }, 'dropped a malformed gossip frame');
        return;
      }
      if (!this.opts.links.allowsInbound(peer)) return;
      try {
        this.handler(peer, parsed.frame);
      } catch (error) {
        // A protocol bug on one frame must not take the node down; it is logged loudly.
        log.error({ err: error, type: parsed.frame.type }, 'gossip frame handler failed');
      }
    });
    ws.on('error', (error) => log.debug({ err: error }, 'gossip connection error'));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const link of this.outbound.values()) link.close();
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

class OutboundLink {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly peer: NodeId,
    readonly url: string,
    private readonly opts: WsTransportOptions & { now: () => number },
    private readonly log: Logger,
    private readonly onDisconnected: () => void,
    private readonly onClockSkew: (skewMs: number) => void,
  ) {}

  isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  connect(): void {
    if (this.stopped) return;
    const sentAt = this.opts.now();
    const headers = signRequest(this.opts.secret, this.opts.self, 'GET', GOSSIP_PATH, { now: sentAt });
    const ws = new WebSocket(`${this.url}${GOSSIP_PATH}`, { headers, maxPayload: MAX_FRAME_BYTES, handshakeTimeout: 5_000 });
    this.ws = ws;
    ws.on('upgrade', (res) => this.measureSkew(sentAt, res.headers[TIME_HEADER], false));
    ws.on('open', () => {
      if (this.attempt > 0) this.log.info('gossip link up');
      this.attempt = 0;
    });
    ws.on('unexpected-response', (_req, res) => {
      const skewMs = this.measureSkew(sentAt, res.headers[TIME_HEADER], true);
      this.log.warn({ status: res.statusCode, clockSkewMs: skewMs }, 'peer refused the gossip handshake');
      ws.terminate();
    });
    ws.on('error', () => {
      // 'close' follows; connection errors to a down peer are routine and retried.
    });
    let opened = false;
    ws.on('open', () => (opened = true));
    ws.on('close', () => {
      if (this.ws === ws) this.ws = undefined;
      if (opened && !this.stopped) this.onDisconnected();
      this.scheduleReconnect();
    });
  }

  /**
   * Records the peer's clock against ours from its answer to our handshake, and warns when it
   * is off by more than CLOCK_SKEW_WARN_MS: beyond ±60 s every signature between us is
   * refused and the peer is cut off, which used to happen without a word.
   */
  private measureSkew(sentAt: number, header: string | string[] | undefined, refused: boolean): number | undefined {
    const peerTime = parsePeerTime(header);
    if (peerTime === undefined) return undefined;
    const skewMs = estimateClockSkew(sentAt, this.opts.now(), peerTime);
    this.onClockSkew(skewMs);
    if (Math.abs(skewMs) > CLOCK_SKEW_WARN_MS) {
      const cutOff = Math.abs(skewMs) > SIGNATURE_WINDOW_MS;
      this.log.warn(
        { clockSkewMs: skewMs, warnAboveMs: CLOCK_SKEW_WARN_MS, signatureWindowMs: SIGNATURE_WINDOW_MS, refused },
        cutOff
          ? 'peer clock is off ours by more than the signature window: signed requests between us are refused; fix the clocks (NTP)'
          : 'peer clock is off ours: signed requests fail once it passes the signature window; check the clocks (NTP)',
      );
    }
    return skewMs;
  }

  send(payload: string): void {
    // The socket may have closed while the frame sat in the simulated link; gossip is lossy.
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(payload);
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.terminate();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.attempt);
    this.attempt++;
    // Full jitter, so that peers restarting together do not reconnect in lockstep.
    const delay = RECONNECT_MIN_MS / 2 + Math.random() * ceiling;
    this.timer = setTimeout(() => this.connect(), delay);
    this.timer.unref();
  }
}
