/**
 * One attempt to book one slot, with its own Idempotency-Key. The key is made when the
 * student picks the slot and kept until the gateway gives a definite answer, so that a double
 * click (same promise) or a retry after a dropped connection (same key, answer replayed by the
 * gateway) can never book twice. Picking a slot again starts a new attempt with a new key.
 */
import { ApiError } from '../../api/http';
import type { BookingView } from '../../api/skillshare';

export type BookingOutcome = { ok: true; booking: BookingView } | { ok: false; error: ApiError; retryable: boolean };

export type SendBooking = (courseId: string, start: string, idempotencyKey: string) => Promise<{ booking: BookingView }>;

/** 128 random bits as hex. getRandomValues works on plain-http LAN addresses, randomUUID not. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** No answer, or a server-side failure: the booking may or may not exist, so retry with the same key. */
export function isRetryable(error: ApiError): boolean {
  return error.status === 0 || error.status >= 500;
}

export class BookingAttempt {
  readonly key: string;
  private inFlight: Promise<BookingOutcome> | null = null;
  private final: BookingOutcome | null = null;

  constructor(
    readonly courseId: string,
    readonly start: string,
    private readonly send: SendBooking,
    makeKey: () => string = newIdempotencyKey,
  ) {
    this.key = makeKey();
  }

  get settled(): boolean {
    return this.final !== null;
  }

  submit(): Promise<BookingOutcome> {
    if (this.final) return Promise.resolve(this.final);
    this.inFlight ??= this.run().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async run(): Promise<BookingOutcome> {
    try {
      const { booking } = await this.send(this.courseId, this.start, this.key);
      const outcome: BookingOutcome = { ok: true, booking };
      this.final = outcome;
      return outcome;
    } catch (e) {
      const error = e instanceof ApiError ? e : new ApiError(0, 'network', 'The booking could not be sent.');
      const outcome: BookingOutcome = { ok: false, error, retryable: isRetryable(error) };
      if (!outcome.retryable) this.final = outcome;
      return outcome;
    }
  }
}
