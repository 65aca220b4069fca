/** A holder refuses a second writer while the first one's lease holds. */
export class BusyError extends Error {}

interface Lease {
  readonly abort: AbortController;
  touchedAt: number;
  /** A standby writer that has written nothing yet: the next writer takes the upload from it. */
  givesWay: boolean;
  done: Promise<void>;
}

/**
 * One writer per upload on a holder (DESIGN §6: one PATCH at a time). The writer's lease is
 * renewed by everything it sends (its pings included); a writer silent for `leaseMs` (its
 * coordinator frozen or cut off) loses the upload to the next one, whose arrival aborts it
 * before a byte of its own is written. A coordinator that dies closes its connection, which
 * ends its lease at once. A standby writer (a coordinator's append opened ahead of its
 * client's next PATCH, standbyAppends.ts) gives way to any other until it writes: it must
 * never keep the upload from a coordinator that took it over. Pure apart from the clock it is
 * given.
 */
export class HolderLeases {
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly leaseMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Takes the upload for a new writer: BusyError while another writer's lease holds; a lapsed
   * writer, or a standby one, is aborted and waited for. Returns the writer's signal, `touch`,
   * `hold` (a standby writer starts writing) and `release`.
   */
  async acquire(uploadId: string, opts: { standby?: boolean } = {}): Promise<{ signal: AbortSignal; touch(): void; hold(): void; release(): void }> {
    const current = this.leases.get(uploadId);
    if (current) {
      if (!current.givesWay && this.now() - current.touchedAt < this.leaseMs) throw new BusyError(`upload ${uploadId} is being written by another coordinator`);
      current.abort.abort(new BusyError(current.givesWay ? 'a standby writer gave way to another coordinator' : 'the lease lapsed and another coordinator took the upload'));
      await current.done;
      // Another writer may have come in while this one waited for the lapsed one to stop.
      if (this.leases.has(uploadId)) throw new BusyError(`upload ${uploadId} is being written by another coordinator`);
    }
    let finished!: () => void;
    const lease: Lease = { abort: new AbortController(), touchedAt: this.now(), givesWay: opts.standby === true, done: new Promise((resolve) => (finished = resolve)) };
    this.leases.set(uploadId, lease);
    return {
      signal: lease.abort.signal,
      touch: () => {
        lease.touchedAt = this.now();
      },
      hold: () => {
        lease.givesWay = false;
      },
      release: () => {
        if (this.leases.get(uploadId) === lease) this.leases.delete(uploadId);
        finished();
      },
    };
  }

  /** Stops whoever writes the upload (it is being removed) and waits for it. */
  async revoke(uploadId: string, reason: Error): Promise<void> {
    const current = this.leases.get(uploadId);
    if (!current) return;
    current.abort.abort(reason);
    await current.done;
  }

  isHeld(uploadId: string): boolean {
    const current = this.leases.get(uploadId);
    return current !== undefined && this.now() - current.touchedAt < this.leaseMs;
  }
}
