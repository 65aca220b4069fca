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
    const ledger = new QuotaLedger({ limitBytes: 100, usedBytes: (user) => (user === ALICE ? 60 : 0) });
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

  it('takes committed bytes from the store as they are now: a commit is a release, a delete frees at once', () => {
    let used = 0;
    const ledger = new QuotaLedger({ limitBytes: 100, usedBytes: () => used });
    ledger.reserve(ALICE, 'u1', 50);
    // The entry is committed (the store counts it) before the reservation is let go:
    // for that moment the upload counts twice, never zero times.
    used = 50;
    expect(ledger.reserve(ALICE, 'u2', 1).ok).toBe(false);
    ledger.release('u1');
    expect(ledger.usage(ALICE)).toEqual({ used: 50, reserved: 0, limit: 100 });
    expect(ledger.reserve(ALICE, 'u2', 51).ok).toBe(false);
    used = 0;
    expect(ledger.reserve(ALICE, 'u2', 100).ok).toBe(true);
  });

  it('refuses sizes that are not non-negative integers', () => {
    const ledger = new QuotaLedger({ limitBytes: 100 });
    expect(() => ledger.reserve(ALICE, 'u1', -1)).toThrow(RangeError);
    expect(() => ledger.reserve(ALICE, 'u1', 1.5)).toThrow(RangeError);
    expect(() => ledger.reserve(ALICE, 'u1', Number.NaN)).toThrow(RangeError);
    expect(() => ledger.reserve(ALICE, 'u1', 1)).not.toThrow();
    expect(() => ledger.reserve(ALICE, 'u1', 1)).toThrow();
  });
});
