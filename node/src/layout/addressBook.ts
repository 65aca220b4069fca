import type { NodeId } from '../gossip/frames';
import type { ClusterLayout, NodeAddress } from '../api/layout';

/**
 * Where every node this one knows of listens, and what the map shows of it. Filled from the
 * node files (self and peers), from every layout version (so a restarted node finds a region
 * added while it was down) and from joins (a node that starts with the address of any member
 * introduces itself: POST /v1/join). Nobody restarts to learn a new region.
 */
export class AddressBook {
  /** host:port of every peer, for HTTP calls (PeerClient reads this map as it changes). */
  readonly peers = new Map<NodeId, { host: string; port: number }>();
  private readonly known = new Map<NodeId, NodeAddress>();
  private readonly listeners = new Set<(address: NodeAddress, isNew: boolean) => void>();

  constructor(
    readonly self: NodeAddress,
    initial: readonly NodeAddress[] = [],
  ) {
    this.known.set(self.id, self);
    for (const address of initial) this.learn(address);
  }

  /** Records an address; listeners hear of a new node or a node that moved. Self is never changed. */
  learn(address: NodeAddress): boolean {
    if (address.id === this.self.id) return false;
    const before = this.known.get(address.id);
    if (before && sameAddress(before, address)) return false;
    this.known.set(address.id, { ...address });
    this.peers.set(address.id, { host: address.host, port: address.port });
    for (const listener of this.listeners) listener(address, before === undefined);
    return true;
  }

  /** Addresses of the layout's members; a removed or decommissioned node is not dialled again. */
  learnLayout(layout: ClusterLayout): void {
    for (const node of layout.nodes) {
      if (node.state !== 'active' && node.state !== 'draining') continue;
      const { state: _state, capacity: _capacity, ...address } = node;
      this.learn(address);
    }
  }

  get(id: NodeId): NodeAddress | undefined {
    return this.known.get(id);
  }

  /** Every known node, self included, by id. */
  all(): NodeAddress[] {
    return [...this.known.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  onLearn(listener: (address: NodeAddress, isNew: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function sameAddress(a: NodeAddress, b: NodeAddress): boolean {
  return a.host === b.host && a.port === b.port && a.label === b.label && a.region === b.region && a.lat === b.lat && a.lon === b.lon;
}

/** A node file's spec (or a layout node) as the address it advertises. */
export function addressOf(spec: NodeAddress & Record<string, unknown>): NodeAddress {
  return { id: spec.id, label: spec.label, region: spec.region, lat: spec.lat, lon: spec.lon, host: spec.host, port: spec.port };
}
