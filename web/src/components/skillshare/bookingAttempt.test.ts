// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/http';
import type { BookingView } from '../../api/skillshare';
import { BookingAttempt, newIdempotencyKey, type SendBooking } from './bookingAttempt';

const booking: BookingView = { id: 'b1', courseId: 'c1', teacherId: 't1', start: '2026-03-10T09:00:00Z', end: '2026-03-10T10:00:00Z', status: 'confirmed' };

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('BookingAttempt', () => {
  it('sends a double click once, with one key', async () => {
    const pending = deferred<{ booking: BookingView }>();
    const send = vi.fn<SendBooking>(() => pending.promise);
    const attempt = new BookingAttempt('c1', booking.start, send);
    const first = attempt.submit();
    const second = attempt.submit();
    pending.resolve({ booking });
    expect(await first).toEqual({ ok: true, booking });
    expect(await second).toEqual({ ok: true, booking });
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith('c1', booking.start, attempt.key);
    // Confirming again after success does not book again.
    await attempt.submit();
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('retries with the same key after a dropped connection or a 5xx', async () => {
    const send = vi
      .fn<SendBooking>()
      .mockRejectedValueOnce(new ApiError(0, 'network', 'offline'))
      .mockRejectedValueOnce(new ApiError(503, 'unavailable', 'busy'))
      .mockResolvedValueOnce({ booking });
    const attempt = new BookingAttempt('c1', booking.start, send, () => 'key-1');
    expect(await attempt.submit()).toMatchObject({ ok: false, retryable: true });
    expect(attempt.settled).toBe(false);
    expect(await attempt.submit()).toMatchObject({ ok: false, retryable: true });
    expect(await attempt.submit()).toEqual({ ok: true, booking });
    expect(send.mock.calls.map((c) => c[2])).toEqual(['key-1', 'key-1', 'key-1']);
  });

  it('settles on a 409 and does not resend it', async () => {
    const send = vi.fn<SendBooking>().mockRejectedValue(new ApiError(409, 'slot_unavailable', 'taken'));
    const attempt = new BookingAttempt('c1', booking.start, send);
    const outcome = await attempt.submit();
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.ok === false && outcome.error.code).toBe('slot_unavailable');
    await attempt.submit();
    expect(send).toHaveBeenCalledTimes(1);
    expect(attempt.settled).toBe(true);
  });

  it('gives each new attempt a fresh, header-safe key', () => {
    const send = vi.fn<SendBooking>();
    const a = new BookingAttempt('c1', booking.start, send);
    const b = new BookingAttempt('c1', booking.start, send);
    expect(a.key).not.toBe(b.key);
    expect(newIdempotencyKey()).toMatch(/^[0-9a-f]{32}$/);
  });
});
