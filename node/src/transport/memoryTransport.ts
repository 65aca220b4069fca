import type { NodeId, PeerFrame } from '../gossip/frames';
import type { FrameHandler, Transport } from './transport';
import type { LinkSimulator } from './linkSimulator';
import type { Clock } from '../time/clock';

/**
 * An in-process network of transports. Frames pass through the sender's LinkSimulator (delay,
 * loss, partitions) and the receiver's (partitions, pause), exactly as over WebSockets, and are
 * always delivered asynchronously through the clock, so protocol code never re-enters itself.
 */
export class MemoryNetwork {
  private readonly endpoints = new Map<NodeId, MemoryTransport>();
  /** Frames handed to the network, for the simulation's traffic figures. */
  sent = 0;
  delivered = 0;

  constructor(private readonly clock: Clock) {}

  connect(id: NodeId, links: LinkSimulator): MemoryTransport {
    if (this.endpoints.has(id)) throw new Error(`node ${id} is already on this network`);
    const transport = new MemoryTransport(id, links, this);
    this.endpoints.set(id, transport);
    return transport;
  }

  /** @internal */
  disconnect(id: NodeId): void {
    this.endpoints.delete(id);
  }

  /** @internal */
  route(from: MemoryTransport, to: NodeId, frame: PeerFrame): void {
    this.sent++;
    from.links.sendDatagram(to, () => {
      // The zero-delay path delivers through the clock too, never synchronously.
      this.clock.setTimeout(() => {
        const target = this.endpoints.get(to);
        if (!target || !target.links.allowsInbound(from.localId)) return;
        this.delivered++;
        target.receive(from.localId, frame);
      }, 0);
    });
  }
}

export class MemoryTransport implements Transport {
  private handler: FrameHandler = () => {};
  private closed = false;

  constructor(
    readonly localId: NodeId,
    readonly links: LinkSimulator,
    private readonly network: MemoryNetwork,
  ) {}

  send(to: NodeId, frame: PeerFrame): void {
    if (this.closed || to === this.localId) return;
    this.network.route(this, to, frame);
  }

  onFrame(handler: FrameHandler): void {
    this.handler = handler;
  }

  /** @internal */
  receive(from: NodeId, frame: PeerFrame): void {
    if (!this.closed) this.handler(from, frame);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.network.disconnect(this.localId);
  }
}
