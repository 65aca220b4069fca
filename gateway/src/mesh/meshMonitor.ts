import WebSocket from 'ws';
import type { Logger } from 'pino';
import type { NodeEvent } from '../../../node/src/api/events';
import type { NodeStatus } from '../../../node/src/api/status';
import type { NodeSpec } from '../../../node/src/config/clusterConfig';
import type { LayoutAnswer } from '../../../node/src/api/layout';
import { signRequest } from '../../../common/signing/requestSigning';
import type { MeshEvent, MeshSnapshot, NodeView } from '../api/mesh';
import { buildSnapshot, type NodeObservation } from './meshView';
import type { NodeClient } from './nodeClient';

const RECONNECT_MAX_MS = 5_000;

/**
 * The gateway's live picture of the mesh: one WS /v1/events subscription per node (pushed
 * changes within milliseconds) plus a status poll for the slower figures (bytes stored).
 * Listeners get a fresh snapshot after every change and the activity to animate.
 */
export class MeshMonitor {
  private readonly watched = new Map<
    string,
    { spec: NodeSpec; status?: NodeStatus; ws?: WebSocket; attempt: number; timer?: NodeJS.Timeout; reachable: boolean; discovered?: boolean }
  >();
  /** Each node's place in the cluster layout, and nodes that joined by address (state `joining`). */
  private layoutStates = new Map<string, NonNullable<NodeView['layoutState']>>();
  private readonly listeners = new Set<(event: MeshEvent) => void>();
  private pollTimer: NodeJS.Timeout | undefined;
  private snapshotTimer: NodeJS.Timeout | undefined;
  /** Every file request asks which nodes are usable: build the picture once per change, not per call. */
  private cached: MeshSnapshot | undefined;
  private stopped = false;

  constructor(
    private readonly opts: {
      nodes: readonly NodeSpec[];
      secret: string;
      client: NodeClient;
      logger: Logger;
      pollMs?: number;
      /** A node learnt from the cluster layout (a region that joined live): the client must reach it too. */
      onNodeFound?: (spec: NodeSpec) => void;
    },
  ) {
    for (const spec of opts.nodes) this.watched.set(spec.id, { spec, attempt: 0, reachable: false });
  }

  start(): void {
    for (const id of this.watched.keys()) this.connect(id);
    const poll = () => {
      void this.pollAll().finally(() => {
        if (!this.stopped) this.pollTimer = setTimeout(poll, this.opts.pollMs ?? 2_000).unref();
      });
    };
    poll();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.snapshotTimer);
    for (const node of this.watched.values()) {
      clearTimeout(node.timer);
      node.ws?.terminate();
    }
  }

  onEvent(listener: (event: MeshEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): MeshSnapshot {
    if (!this.cached) {
      const observations: NodeObservation[] = [...this.watched.values()].map((n) => ({
        spec: n.spec,
        status: n.status,
        reachable: n.reachable,
        layoutState: this.layoutStates.get(n.spec.id),
        discovered: n.discovered,
      }));
      this.cached = buildSnapshot(observations, new Date());
    }
    return this.cached;
  }

  node(id: string): NodeView | undefined {
    return this.snapshot().nodes.find((n) => n.id === id);
  }

  /** Regions a user may choose as home now: configured ones and those that joined live, while active. */
  homeRegions(): string[] {
    return this.snapshot()
      .nodes.filter((n) => n.homeRegion)
      .map((n) => n.id);
  }

  /** Whether the node's API answers and its peers do not hold it dead. */
  isUsable(id: string): boolean {
    const view = this.node(id);
    return view !== undefined && view.reachable && view.state !== 'dead';
  }

  private async pollAll(): Promise<void> {
    await Promise.all(
      [...this.watched.entries()].map(async ([id, node]) => {
        try {
          node.status = await this.opts.client.json<NodeStatus>(id, 'GET', '/v1/status');
          this.setReachable(id, true);
        } catch {
          this.setReachable(id, false);
        }
      }),
    );
    await this.readLayout();
    this.changed();
  }

  /**
   * The cluster layout from the first node that answers (DESIGN §12): a region that joined
   * while the gateway ran is watched from then on, on the map as soon as it joins.
   */
  private async readLayout(): Promise<void> {
    for (const [id, node] of this.watched) {
      if (!node.reachable) continue;
      let answer: LayoutAnswer;
      try {
        answer = await this.opts.client.json<LayoutAnswer>(id, 'GET', '/v1/layout');
      } catch {
        continue;
      }
      const states = new Map<string, NonNullable<NodeView['layoutState']>>();
      for (const n of answer.layout.nodes) states.set(n.id, n.state);
      for (const n of answer.joined) states.set(n.id, 'joining');
      this.layoutStates = states;
      for (const address of [...answer.layout.nodes.filter((n) => n.state === 'active' || n.state === 'draining'), ...answer.joined]) {
        if (this.watched.has(address.id)) continue;
        const spec: NodeSpec = {
          id: address.id,
          label: address.label,
          region: address.region,
          lat: address.lat,
          lon: address.lon,
          host: address.host,
          port: address.port,
          peers: [...this.watched.keys()],
        };
        this.opts.onNodeFound?.(spec);
        this.watched.set(spec.id, { spec, attempt: 0, reachable: false, discovered: true });
        this.opts.logger.info({ node: spec.id, host: spec.host, port: spec.port }, 'watching a node learnt from the cluster layout');
        this.connect(spec.id);
      }
      return;
    }
  }

  private connect(id: string): void {
    const node = this.watched.get(id)!;
    if (this.stopped) return;
    const headers = signRequest(this.opts.secret, 'gateway', 'GET', '/v1/events');
    const ws = new WebSocket(`ws://${node.spec.host}:${node.spec.port}/v1/events`, { headers, handshakeTimeout: 3_000 });
    node.ws = ws;
    ws.on('open', () => {
      node.attempt = 0;
      this.setReachable(id, true);
    });
    ws.on('message', (data) => {
      try {
        this.apply(id, JSON.parse(data.toString()) as NodeEvent);
      } catch (error) {
        this.opts.logger.warn({ node: id, err: error }, 'ignoring an unreadable node event');
      }
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      if (node.ws !== ws || this.stopped) return;
      this.setReachable(id, false);
      const delay = Math.min(RECONNECT_MAX_MS, 100 * 2 ** node.attempt++);
      node.timer = setTimeout(() => this.connect(id), delay).unref();
    });
  }

  private apply(id: string, event: NodeEvent): void {
    const node = this.watched.get(id)!;
    const status = node.status;
    switch (event.type) {
      case 'snapshot':
        node.status = event.status;
        break;
      case 'member': {
        const member = status?.members.find((m) => m.id === event.peer);
        if (member) {
          member.state = event.to;
          member.incarnation = event.incarnation;
        }
        this.emit({ type: 'member', observer: id, peer: event.peer, from: event.from, to: event.to, at: event.at });
        break;
      }
      case 'rtt': {
        const member = status?.members.find((m) => m.id === event.peer);
        if (member) member.rttMs = event.rttMs;
        break;
      }
      case 'index':
        if (status) {
          status.index.version = event.version;
          status.index.size = event.size;
        }
        break;
      case 'faults':
        if (status) status.faults = event.faults;
        // Link properties and cut flags come with the next status; fetch it now.
        void this.opts.client.json<NodeStatus>(id, 'GET', '/v1/status').then((fresh) => {
          node.status = fresh;
          this.changed();
        }, () => undefined);
        break;
      case 'gossip':
        if (event.direction === 'out') this.emit({ type: 'gossip', from: id, to: event.peer, kind: event.kind, facts: event.facts, at: event.at });
        return;
      case 'replication':
        this.emit({ type: 'replication', from: event.from, to: event.to, action: event.action, bytes: event.bytes, at: event.at });
        return;
    }
    this.changed();
  }

  private setReachable(id: string, reachable: boolean): void {
    const node = this.watched.get(id)!;
    if (node.reachable === reachable) return;
    node.reachable = reachable;
    this.opts.logger.info({ node: id, reachable }, 'node reachability changed');
    this.changed();
  }

  /** Coalesces bursts of changes into one snapshot, sent well within a second. */
  private changed(): void {
    this.cached = undefined;
    if (this.snapshotTimer || this.listeners.size === 0) return;
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = undefined;
      this.emit({ type: 'snapshot', snapshot: this.snapshot() });
    }, 100);
  }

  private emit(event: MeshEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
