import { describe, it, expect } from 'vitest';
import { DEFAULT_QUOTA_BYTES, QuotaLedger } from './quotaLedger';
import { QuotaExceededError } from './storageErrors';

const ALICE = 'alice';
const BOB = 'bob';

describe('QuotaLedger', () => {
  it('defaults to 5 GiB', () => {
    expect(DEFAULT_QUOTA_BYTES).toBe(5_368_709_120);
    expect(new QuotaLedger().limit(ALICE)).toBe(5_368_709_120);
  });

  it('accepts a reservation exactly at the limit and refuses one byte more', () => {
    const ledger = new QuotaLedger({ limitBytes: 100 });
    ledger.setCommitted(ALICE, 'f1', 60);
    expect(ledger.reserve(ALICE, 'u1', 41)).toMatchObject({ ok: false });
    expect(ledger.reserve(ALICE, 'u1', 40)).toEqual({ ok: true });
    expect(ledger.usage(ALICE)).toEqual({ used: 60, reserved: 40, limit: 100 });
    expect(ledger.reserve(ALICE, 'u2', 0)).toEqual({ ok: true });
    const refused = ledger.reserve(ALICE, 'u3', 1);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error).toBeInstanceOf(QuotaExceededError);
      expect(refused.error).toMatchObject({ code: 'quota_exceeded', status: 413, used: 60, reserved: 40, requested: 1, limit: 100 });
    }
  });

  it('refuses concurrent reservations that together cross the limit', () => {
    const ledger = new QuotaLedger({ limitBytes: 100 });
    expect(ledger.reserve(ALICE, 'u1', 50).ok).toBe(true);
    expect(ledger.reserve(ALICE, 'u2', 50).ok).toBe(true);
    expect(ledger.reserve(ALICE, 'u3', 1).ok).toBe(false);
    expect(ledger.reserved(ALICE)).toBe(100);
  });

  it('keeps users apart', () => {
    const ledger = new QuotaLedger({ limitBytes: 100 });
    expect(ledger.reserve(ALICE, 'u1', 100).ok).toBe(true);
    expect(ledger.reserve(BOB, 'u2', 100).ok).toBe(true);
  });

  it('frees a released reservation at once, and ignores a second release', () => {
    const ledger = new QuotaLedger({ limitBytes: 100 });
    ledger.reserve(ALICE, 'u1', 100);
    expect(ledger.reserve(ALICE, 'u2', 1).ok).toBe(false);
    ledger.release('u1');
    ledger.release('u1');
    expect(ledger.reserved(ALICE)).toBe(0);
    expect(ledger.reserve(ALICE, 'u2', 100).ok).toBe(true);
  });

  it('grows a chunked upload until it would cross, leaving the reservation as it was', () => {
    const ledger = new QuotaLedger({ limitBytes: 100 });
    ledger.reserve(ALICE, 'u1', 0);
    expect(ledger.grow('u1', 60).ok).toBe(true);
    expect(ledger.grow('u1', 40).ok).toBe(true);
    expect(ledger.grow('u1', 1)).toMatchObject({ ok: false, error: { reserved: 100, requested: 1 } });
    expect(ledger.reserved(ALICE)).toBe(100);
    expect(() => ledger.grow('unknown', 1)).toThrow();
  });

  it('commits a reservation as used bytes, with the stored size when given', () => {
    const ledger = new QuotaLedger({ limitBytes: 100 });
    ledger.reserve(ALICE, 'u1', 50);
    ledger.commit('u1', 'f1', 30);
    expect(ledger.usage(ALICE)).toEqual({ used: 30, reserved: 0, limit: 100 });
    ledger.reserve(ALICE, 'u2', 20);
    ledger.commit('u2', 'f2');
    expect(ledger.used(ALICE)).toBe(50);
    expect(() => ledger.commit('u2', 'f3')).toThrow();
  });

  it('counts a file once however often its size is reported', () => {
    const ledger = new QuotaLedger({ limitBytes: 100 });
    ledger.reserve(ALICE, 'u1', 40);
    ledger.commit('u1', 'f1');
    ledger.setCommitted(ALICE, 'f1', 40);
    ledger.setCommitted(ALICE, 'f1', 40);
    expect(ledger.used(ALICE)).toBe(40);
    ledger.setCommitted(ALICE, 'f1', 10);
    expect(ledger.used(ALICE)).toBe(10);
  });

  it('frees a deleted file at once, idempotently', () => {
    const ledger = new QuotaLedger({ limitBytes: 100 });
    ledger.setCommitted(ALICE, 'f1', 70);
    ledger.setCommitted(ALICE, 'f2', 30);
    expect(ledger.reserve(ALICE, 'u1', 1).ok).toBe(false);
    ledger.forget(ALICE, 'f1');
    ledger.forget(ALICE, 'f1');
    ledger.forget(ALICE, 'never-there');
    expect(ledger.used(ALICE)).toBe(30);
    expect(ledger.reserve(ALICE, 'u1', 70).ok).toBe(true);
  });

  it('refuses sizes that are not non-negative integers', () => {
    const ledger = new QuotaLedger({ limitBytes: 100 });
    expect(() => ledger.reserve(ALICE, 'u1', -1)).toThrow(RangeError);
    expect(() => ledger.reserve(ALICE, 'u1', 1.5)).toThrow(RangeError);
    expect(() => ledger.setCommitted(ALICE, 'f', Number.NaN)).toThrow(RangeError);
    expect(() => ledger.reserve(ALICE, 'u1', 1)).not.toThrow();
    expect(() => ledger.reserve(ALICE, 'u1', 1)).toThrow();
  });
});
