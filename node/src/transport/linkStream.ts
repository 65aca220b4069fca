import { Transform, type TransformCallback } from 'node:stream';
import type { NodeId } from '../gossip/frames';
import type { LinkSimulator } from './linkSimulator';

/** Bytes a replica stream may have "on the wire" at once: the simulated TCP window. */
export const DEFAULT_LINK_WINDOW_BYTES = 8 * 1024 * 1024;

export class LinkCutError extends Error {
  readonly code = 'link_cut';
  constructor(peer: NodeId) {
    super(`the link to ${peer} is cut (partition or pause)`);
  }
}

/**
 * Carries a byte stream (a replica upload or download) across the simulated link to `peer`:
 * each chunk arrives one link delay after it was sent, in order; at most `windowBytes` are in
 * flight, so a slow link pushes back on the sender like TCP does; a partition or pause ends
 * the stream with LinkCutError. Loss is not modelled here: TCP turns loss into delay.
 */
export class LinkStream extends Transform {
  private inFlight = 0;
  private lastReleaseAt = 0;
  /** Chunks on the wire, oldest first; only the head has a timer, so order is kept exactly. */
  private readonly wire: Array<{ chunk: Buffer; releaseAt: number }> = [];
  private timer: NodeJS.Timeout | null = null;
  private blocked: TransformCallback | null = null;
  private flushed: TransformCallback | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly links: LinkSimulator,
    private readonly peer: NodeId,
    private readonly windowBytes = DEFAULT_LINK_WINDOW_BYTES,
  ) {
    // Larger buffers than the 16 KiB default: fewer, larger chunks per replica stream.
    super({ highWaterMark: 256 * 1024 });
    this.unsubscribe = links.onFaultsChange(() => {
      if (links.isCut(peer)) this.destroy(new LinkCutError(peer));
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.links.isCut(this.peer)) {
      callback(new LinkCutError(this.peer));
      return;
    }
    const delay = this.links.sampleDelay(this.peer);
    if (delay <= 0 && this.wire.length === 0) {
      // No simulated latency (lan profile): pass straight through, like loopback.
      callback(null, chunk);
      return;
    }
    // Jitter may not reorder a byte stream: a chunk never arrives before the one ahead of it.
    const releaseAt = Math.max(performance.now() + delay, this.lastReleaseAt);
    this.lastReleaseAt = releaseAt;
    this.inFlight += chunk.length;
    this.wire.push({ chunk, releaseAt });
    this.armTimer();
    if (this.inFlight < this.windowBytes) callback();
    else this.blocked = callback;
  }

  override _flush(callback: TransformCallback): void {
    if (this.inFlight === 0) callback();
    else this.flushed = callback;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wire.length = 0;
    callback(error);
  }

  private armTimer(): void {
    const head = this.wire[0];
    if (this.timer || !head) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.deliverDue();
    }, Math.max(0, head.releaseAt - performance.now()));
  }

  private deliverDue(): void {
    // Timers fire with millisecond granularity; anything due within the next millisecond goes now.
    const now = performance.now() + 1;
    while (this.wire.length > 0 && this.wire[0]!.releaseAt <= now) {
      const { chunk } = this.wire.shift()!;
      this.inFlight -= chunk.length;
      this.push(chunk);
    }
    if (this.blocked && this.inFlight < this.windowBytes) {
      const resume = this.blocked;
      this.blocked = null;
      resume();
    }
    if (this.flushed && this.inFlight === 0) this.flushed();
    this.armTimer();
  }
}
