import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FAULT_SECONDS } from '../api/faults';
import { FakeClock } from '../time/fakeClock';
import { seededRandom } from '../time/random';
import { FaultInjector } from './faultInjector';
import { LinkSimulator, NO_FAULTS } from './linkSimulator';

function setup() {
  const clock = new FakeClock();
  const links = new LinkSimulator({ self: 'a', linkTo: () => ({ delayMs: 0, jitterMs: 0, lossPercent: 0 }), clock, random: seededRandom(1) });
  return { clock, links, faults: new FaultInjector(links, clock, pino({ level: 'silent' })) };
}

describe('FaultInjector', () => {
  it('heals the links by itself once the requested time is up, and says when', () => {
    const { clock, links, faults } = setup();
    const applied = faults.apply({ paused: true, partitionedFrom: ['b'], durationSeconds: 30 });
    expect(applied).toMatchObject({ paused: true, partitionedFrom: ['b'], expiresAt: clock.now() + 30_000 });
    clock.advance(29_999);
    expect(links.isCut('b')).toBe(true);
    clock.advance(1);
    expect(links.faults()).toEqual(NO_FAULTS);
    expect(links.isCut('b')).toBe(false);
  });

  it('uses the default time limit when none is given, and a new request sets the time anew', () => {
    const { clock, links, faults } = setup();
    faults.apply({ lossPercent: 20 });
    clock.advance(DEFAULT_FAULT_SECONDS * 1000 - 1000);
    faults.apply({ paused: true, durationSeconds: 60 });
    clock.advance(59_000);
    expect(links.faults()).toMatchObject({ lossPercent: 20, paused: true });
    clock.advance(1_000);
    expect(links.faults()).toEqual(NO_FAULTS);
  });

  it('a heal leaves no expiry and no timer behind', () => {
    const { clock, links, faults } = setup();
    faults.apply({ paused: true });
    expect(faults.apply({ clear: true })).toEqual(NO_FAULTS);
    faults.apply({ lossPercent: 5, durationSeconds: 3_600 });
    clock.advance(DEFAULT_FAULT_SECONDS * 1000);
    // The first request's timer must not heal the later fault early.
    expect(links.faults().lossPercent).toBe(5);
  });
});
