import { QuotaExceededError } from './storageErrors';

/** 5 GiB of logical bytes per user (DESIGN §5). */
export const DEFAULT_QUOTA_BYTES = 5 * 1024 ** 3;

export type QuotaResult = { readonly ok: true } | { readonly ok: false; readonly error: QuotaExceededError };

export interface QuotaUsage {
  /** Bytes of committed files, one copy each. */
  readonly used: number;
  /** Bytes held by uploads in flight. */
  readonly reserved: number;
  readonly limit: number;
}

interface Reservation {
  readonly userId: string;
  bytes: number;
}

/**
 * Per-user accounting of logical bytes against a limit, with no I/O. Committed sizes are
 * keyed by file id, so the same fact arriving twice (a local commit, then the replicated
 * index) is counted once, and replicas never count at all. Uploads in flight hold
 * reservations so that concurrent uploads cannot together cross the limit.
 */
export class QuotaLedger {
  private readonly limitBytes: number;
  private readonly committed = new Map<string, Map<string, number>>();
  private readonly usedTotals = new Map<string, number>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly reservedTotals = new Map<string, number>();

  constructor(options: { limitBytes?: number } = {}) {
    this.limitBytes = options.limitBytes ?? DEFAULT_QUOTA_BYTES;
    checkBytes(this.limitBytes, 'limitBytes');
  }

  limit(_userId: string): number {
    return this.limitBytes;
  }

  used(userId: string): number {
    return this.usedTotals.get(userId) ?? 0;
  }

  reserved(userId: string): number {
    return this.reservedTotals.get(userId) ?? 0;
  }

  usage(userId: string): QuotaUsage {
    return { used: this.used(userId), reserved: this.reserved(userId), limit: this.limit(userId) };
  }

  /** Holds `bytes` for an upload; refused when used + reserved + bytes would pass the limit. */
  reserve(userId: string, uploadId: string, bytes: number): QuotaResult {
    checkBytes(bytes, 'bytes');
    if (this.reservations.has(uploadId)) throw new Error(`Upload ${uploadId} already holds a reservation.`);
    const refused = this.refusal(userId, bytes);
    if (refused) return refused;
    this.reservations.set(uploadId, { userId, bytes });
    this.addReserved(userId, bytes);
    return { ok: true };
  }

  /** Adds to an upload's reservation as chunks arrive; on refusal the reservation is unchanged. */
  grow(uploadId: string, bytes: number): QuotaResult {
    checkBytes(bytes, 'bytes');
    const reservation = this.reservationOf(uploadId);
    const refused = this.refusal(reservation.userId, bytes);
    if (refused) return refused;
    reservation.bytes += bytes;
    this.addReserved(reservation.userId, bytes);
    return { ok: true };
  }

  /**
   * Turns a reservation into a committed file. `size` is the stored size when it differs from
   * what was reserved; a new version of an existing file replaces the old size.
   */
  commit(uploadId: string, fileId: string, size?: number): void {
    const reservation = this.reservationOf(uploadId);
    const bytes = size ?? reservation.bytes;
    checkBytes(bytes, 'size');
    this.release(uploadId);
    this.setCommitted(reservation.userId, fileId, bytes);
  }

  /** Drops a reservation (failed or cancelled upload); unknown ids are ignored. */
  release(uploadId: string): void {
    const reservation = this.reservations.get(uploadId);
    if (!reservation) return;
    this.reservations.delete(uploadId);
    this.addReserved(reservation.userId, -reservation.bytes);
  }

  /** A file the replicated index knows about; idempotent, and may replace an earlier size. */
  setCommitted(userId: string, fileId: string, size: number): void {
    checkBytes(size, 'size');
    let files = this.committed.get(userId);
    if (!files) {
      files = new Map();
      this.committed.set(userId, files);
    }
    const previous = files.get(fileId) ?? 0;
    files.set(fileId, size);
    this.setUsed(userId, this.used(userId) - previous + size);
  }

  /** A deleted file (tombstone): its bytes are free at once. Idempotent. */
  forget(userId: string, fileId: string): void {
    const files = this.committed.get(userId);
    const size = files?.get(fileId);
    if (!files || size === undefined) return;
    files.delete(fileId);
    if (files.size === 0) this.committed.delete(userId);
    this.setUsed(userId, this.used(userId) - size);
  }

  private refusal(userId: string, bytes: number): QuotaResult | undefined {
    const used = this.used(userId);
    const reserved = this.reserved(userId);
    const limit = this.limit(userId);
    if (used + reserved + bytes <= limit) return undefined;
    return { ok: false, error: new QuotaExceededError(userId, limit, used, reserved, bytes) };
  }

  private reservationOf(uploadId: string): Reservation {
    const reservation = this.reservations.get(uploadId);
    if (!reservation) throw new Error(`Upload ${uploadId} holds no reservation.`);
    return reservation;
  }

  private addReserved(userId: string, delta: number): void {
    const next = this.reserved(userId) + delta;
    if (next === 0) this.reservedTotals.delete(userId);
    else this.reservedTotals.set(userId, next);
  }

  private setUsed(userId: string, value: number): void {
    if (value === 0) this.usedTotals.delete(userId);
    else this.usedTotals.set(userId, value);
  }
}

function checkBytes(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer.`);
}
