import type { NodeId, PeerFrame } from '../gossip/frames';

export type FrameHandler = (from: NodeId, frame: PeerFrame) => void;

/**
 * How protocol code reaches its peers: unreliable, unordered datagrams of validated frames
 * (SWIM and scuttlebutt both tolerate loss). `wsTransport` carries them over WebSockets,
 * `memoryTransport` inside one process; both pass every frame through a LinkSimulator.
 */
export interface Transport {
  readonly localId: NodeId;
  /** Fire and forget: the frame may be delayed, dropped or (with jitter) reordered. */
  send(to: NodeId, frame: PeerFrame): void;
  /** Replaces the handler for frames arriving from peers. */
  onFrame(handler: FrameHandler): void;
  close(): Promise<void>;
}
