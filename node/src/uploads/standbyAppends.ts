import { PassThrough } from 'node:stream';
import type { Logger } from 'pino';
import type { NodeId } from '../gossip/frames';
import type { Clock, TimerHandle } from '../time/clock';
import { frame, FRAME } from './partialFrames';
import type { PartialRecord } from './resumableRecords';

/** One holder's append, opened ahead of the PATCH that will write through it. */
export interface StandbyAppend {
  node: NodeId;
  /** The append's framed body, its base written: the PATCH's fan-out writes the rest. */
  stream: PassThrough;
  /** The holder's answer, once the PATCH's COMMIT is fsynced there. */
  attempt: Promise<PartialRecord>;
  /** Stops the append: the PATCH failed, or left this holder behind. */
  abort(reason: unknown): void;
}

interface Standby {
  offset: number;
  appends: StandbyAppend[];
  /** Set once any append ended before a PATCH took it (a holder gave it up or failed). */
  broken: boolean;
  timers: { ping?: TimerHandle; expire?: TimerHandle };
}

export interface StandbyOptions {
  /** Opens a standby append on a holder (PartialHolders.append with `standby`). */
  open(node: NodeId, userId: string, uploadId: string, stream: PassThrough, signal: AbortSignal): Promise<PartialRecord>;
  clock: Clock;
  /** How long an unused standby stays open: as long as the state it was opened from is fresh. */
  freshMs: number;
  /** How often a waiting standby pings, so that its holders' leases hold. */
  pingMs: number;
  /** Standbys open at most; the least recently opened is closed first (each is a socket per peer). */
  max: number;
  logger: Logger;
}

/**
 * The next PATCH's appends, opened on every holder as soon as the last PATCH is stored on all
 * of them (issue 14). A tus client sends its next chunk a few ms after the answer; opening the
 * holders' requests then (signing, the holder's routing, its lease and partial) put ~5 ms on
 * the path of every 8 MiB PATCH before the first byte reached a remote holder. A standby is
 * opened with its base frame and waits, pinging; the PATCH at exactly its offset writes its
 * segments and COMMIT through it. Anything else closes it: an end after the base alone changes
 * nothing on a holder, and a holder gives a standby up to any other coordinator until it
 * writes (holderLeases.ts), so an unused standby never keeps an upload from anyone.
 */
export class StandbyAppends {
  private readonly byUpload = new Map<string, Standby>();

  constructor(private readonly opts: StandbyOptions) {}

  /** Opens appends on `nodes` for a PATCH at `offset`, each starting with `base`; replaces any earlier standby. */
  prepare(userId: string, uploadId: string, offset: number, nodes: readonly NodeId[], base: Buffer): void {
    this.cancel(uploadId);
    const standby: Standby = { offset, appends: [], broken: false, timers: {} };
    for (const node of nodes) {
      const stream = new PassThrough({ highWaterMark: 256 * 1024 });
      // As on the fan-out's branches: a stream destroyed before its consumer reads must not throw.
      stream.on('error', () => undefined);
      stream.write(base);
      const controller = new AbortController();
      const attempt = this.opts.open(node, userId, uploadId, stream, controller.signal);
      attempt.then(
        () => (standby.broken = true),
        (error: unknown) => {
          standby.broken = true;
          this.opts.logger.debug({ node, uploadId, err: error }, 'a standby append ended');
        },
      );
      standby.appends.push({ node, stream, attempt, abort: (reason) => controller.abort(reason) });
    }
    const ping = () => {
      for (const { stream } of standby.appends) if (!stream.destroyed && !stream.writableEnded) stream.write(frame(FRAME.PING));
      standby.timers.ping = this.opts.clock.setTimeout(ping, this.opts.pingMs);
    };
    standby.timers.ping = this.opts.clock.setTimeout(ping, this.opts.pingMs);
    standby.timers.expire = this.opts.clock.setTimeout(() => this.cancel(uploadId), this.opts.freshMs);
    this.byUpload.set(uploadId, standby);
    if (this.byUpload.size > this.opts.max) this.cancel(this.byUpload.keys().next().value!);
  }

  /**
   * The standby for a PATCH at `offset` on exactly `nodes`, handed out once; undefined (and the
   * standby closed) when there is none, it was opened for another offset or holders, or one of
   * its appends has already ended.
   */
  take(uploadId: string, offset: number, nodes: readonly NodeId[]): ReadonlyMap<NodeId, StandbyAppend> | undefined {
    const standby = this.byUpload.get(uploadId);
    if (!standby) return undefined;
    this.byUpload.delete(uploadId);
    this.stopTimers(standby);
    const fits = standby.offset === offset && standby.appends.length === nodes.length && standby.appends.every((append) => nodes.includes(append.node));
    if (!fits || standby.broken) {
      this.close(standby);
      return undefined;
    }
    return new Map(standby.appends.map((append) => [append.node, append]));
  }

  /** Closes the upload's standby, if any (the upload is being removed, or moved on elsewhere). */
  cancel(uploadId: string): void {
    const standby = this.byUpload.get(uploadId);
    if (!standby) return;
    this.byUpload.delete(uploadId);
    this.stopTimers(standby);
    this.close(standby);
  }

  get size(): number {
    return this.byUpload.size;
  }

  private stopTimers(standby: Standby): void {
    if (standby.timers.ping) this.opts.clock.clearTimeout(standby.timers.ping);
    if (standby.timers.expire) this.opts.clock.clearTimeout(standby.timers.expire);
  }

  /** Ends each append after its base (its holder answers the record as it is). */
  private close(standby: Standby): void {
    for (const { stream } of standby.appends) if (!stream.destroyed) stream.end();
  }
}
