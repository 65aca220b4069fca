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
 * Per-user accounting of logical bytes against a limit, with no I/O. Committed bytes are not
 * kept here: they are the store's usage counter, maintained in the same transaction as the
 * file entries (so a fact arriving twice, or a replica, never counts twice). What this keeps
 * is the reservations of uploads in flight, so that concurrent uploads cannot together cross
 * the limit; a reservation is released once its entry is committed.
 */
export class QuotaLedger {
  private readonly limitBytes: number;
  private readonly usedBytes: (userId: string) => number;
  private readonly reservations = new Map<string, Reservation>();
  private readonly reservedTotals = new Map<string, number>();

  constructor(options: { limitBytes?: number; usedBytes?: (userId: string) => number } = {}) {
    this.limitBytes = options.limitBytes ?? DEFAULT_QUOTA_BYTES;
    this.usedBytes = options.usedBytes ?? (() => 0);
    checkBytes(this.limitBytes, 'limitBytes');
  }

  limit(_userId: string): number {
    return this.limitBytes;
  }

  used(userId: string): number {
    return this.usedBytes(userId);
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

  holds(uploadId: string): boolean {
    return this.reservations.has(uploadId);
  }

  /** Bytes an upload holds, 0 when it holds none. */
  reservedFor(uploadId: string): number {
    return this.reservations.get(uploadId)?.bytes ?? 0;
  }

  /** Drops a reservation: its upload failed, or its entry (and so its usage) is committed. Unknown ids are ignored. */
  release(uploadId: string): void {
    const reservation = this.reservations.get(uploadId);
    if (!reservation) return;
    this.reservations.delete(uploadId);
    this.addReserved(reservation.userId, -reservation.bytes);
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
}

function checkBytes(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer.`);
}
