import { describe, expect, it } from 'vitest';
import { QuotaLedger } from '../storage/quotaLedger';
import { QuotaAuthority, quotaOwners } from './quotaAuthority';

describe('quota owners', () => {
  it('are the same for a user wherever they are computed, and the next live one takes over', () => {
    const all = ['asia', 'eu-west', 'us-east'];
    const owners = quotaOwners('user-1', all);
    expect(quotaOwners('user-1', [...all].reverse())).toEqual(owners);
    expect(quotaOwners('user-1', all.filter((n) => n !== owners[0]))).toEqual(owners.slice(1));
  });
});

describe('QuotaAuthority', () => {
  function setup() {
    const used = new Map<string, number>();
    const known = new Set<string>();
    let now = 1_000;
    const ledger = new QuotaLedger({ limitBytes: 1_000, usedBytes: (u) => used.get(u) ?? 0 });
    const authority = new QuotaAuthority(ledger, (u, f) => known.has(`${u}/${f}`), () => now, 60_000);
    return { used, known, authority, ledger, advance: (ms: number) => (now += ms) };
  }

  it('refuses what concurrent uploads would take together', () => {
    const { authority } = setup();
    expect(authority.reserve('u', 'a', 800).ok).toBe(true);
    expect(authority.reserve('u', 'b', 800).ok).toBe(false);
    authority.release('a');
    expect(authority.reserve('u', 'b', 800).ok).toBe(true);
  });

  it('holds a committed upload’s bytes until its entry counts in the index', () => {
    const { authority, used, known } = setup();
    expect(authority.reserve('u', 'a', 800).ok).toBe(true);
    authority.release('a', { userId: 'u', fileId: 'f' });
    // The entry has not arrived: the space is still taken.
    expect(authority.reserve('u', 'b', 800).ok).toBe(false);
    used.set('u', 800);
    known.add('u/f');
    // Counted once, as the entry's usage, not twice.
    expect(authority.reserve('u', 'c', 200).ok).toBe(true);
    expect(authority.reserve('u', 'd', 1).ok).toBe(false);
  });

  it('lets a committed reservation go after the grace time even if its entry never comes', () => {
    const { authority, advance } = setup();
    authority.reserve('u', 'a', 800);
    authority.release('a', { userId: 'u', fileId: 'f' });
    advance(60_001);
    expect(authority.reserve('u', 'b', 800).ok).toBe(true);
  });

  it('an owner that took over starts a growing upload afresh', () => {
    const { authority } = setup();
    expect(authority.grow('u', 'x', 600).ok).toBe(true);
    expect(authority.grow('u', 'x', 300).ok).toBe(true);
    expect(authority.grow('u', 'x', 200).ok).toBe(false);
  });

  it('ensure re-asserts a resumable upload by id: learnt afresh by a new owner, never counted twice', () => {
    const { authority, ledger } = setup();
    expect(authority.ensure('u', 'r', 700).ok).toBe(true);
    expect(authority.ensure('u', 'r', 700).ok).toBe(true);
    expect(ledger.reserved('u')).toBe(700);
    expect(authority.reserve('u', 'other', 400).ok).toBe(false);
    authority.release('r');
    expect(ledger.reserved('u')).toBe(0);
    // An owner that restarted knows nothing of it: the next PATCH's ensure reserves it again.
    expect(authority.ensure('u', 'r', 700).ok).toBe(true);
    expect(authority.ensure('u', 'r2', 400).ok).toBe(false);
  });
});
