import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fakeClock';
import { CommittedStates } from './committedStates';
import type { PartialRecord } from './resumableRecords';
import type { UploadState } from './uploadState';

const UPLOAD = '00000000-0000-4000-8000-000000000001';

function stateAt(offset: number, uploadId = UPLOAD): UploadState {
  const record = { uploadId, offset, state: 'open', meta: { holders: ['a', 'b', 'c'] } } as unknown as PartialRecord;
  return { userId: 'u', uploadId, record, records: new Map([['a', record]]), offset, base: 'a', phase: 'open' };
}

describe('states a coordinator keeps between PATCHes', () => {
  it('hands a state out once, to a PATCH at its offset', () => {
    const states = new CommittedStates(new FakeClock(0), 5_000);
    states.remember(stateAt(8));
    expect(states.take(UPLOAD, 8)?.offset).toBe(8);
    // Used: the PATCH after it reads the holders unless that one is remembered in turn.
    expect(states.take(UPLOAD, 8)).toBeUndefined();
  });

  it('gives nothing to a PATCH at another offset (the upload moved through another node), and drops the state', () => {
    const states = new CommittedStates(new FakeClock(0), 5_000);
    states.remember(stateAt(8));
    expect(states.take(UPLOAD, 16)).toBeUndefined();
    expect(states.take(UPLOAD, 8)).toBeUndefined();
  });

  it('lets a state go stale well within a holder lease', () => {
    const clock = new FakeClock(0);
    const states = new CommittedStates(clock, 5_000);
    states.remember(stateAt(8));
    clock.advance(5_001);
    expect(states.take(UPLOAD, 8)).toBeUndefined();
  });

  it('forgets an upload that was completed or removed, and keeps a bounded number', () => {
    const states = new CommittedStates(new FakeClock(0), 5_000);
    states.remember(stateAt(8));
    states.forget(UPLOAD);
    expect(states.take(UPLOAD, 8)).toBeUndefined();
    const ids = Array.from({ length: 1025 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    for (const id of ids) states.remember(stateAt(1, id));
    expect(states.take(ids[0]!, 1)).toBeUndefined();
    expect(states.take(ids[1024]!, 1)?.uploadId).toBe(ids[1024]);
  });

  it('lets the next PATCH wait for the holders still storing the last one, and remembers it when they are done', async () => {
    const clock = new FakeClock(0);
    const states = new CommittedStates(clock, 5_000);
    let slowestDone!: () => void;
    const slowest = new Promise<void>((resolve) => (slowestDone = resolve));
    states.track(UPLOAD, slowest.then(() => states.remember(stateAt(8))));
    let waited = false;
    const wait = states.lastPatchStored(UPLOAD, 100).then(() => (waited = true));
    await Promise.resolve();
    expect(waited).toBe(false);
    slowestDone();
    await wait;
    expect(states.take(UPLOAD, 8)?.offset).toBe(8);
  });

  it('waits no longer than its limit for a holder that lags, nor for one that failed', async () => {
    const clock = new FakeClock(0);
    const states = new CommittedStates(clock, 5_000);
    states.track(UPLOAD, new Promise(() => undefined));
    let waited = false;
    const wait = states.lastPatchStored(UPLOAD, 100).then(() => (waited = true));
    clock.advance(99);
    await Promise.resolve();
    expect(waited).toBe(false);
    clock.advance(1);
    await wait;
    expect(states.take(UPLOAD, 8)).toBeUndefined();

    const failed = Promise.reject(new Error('a holder failed'));
    states.track(UPLOAD, failed);
    await states.lastPatchStored(UPLOAD, 100);
    expect(clock.pending()).toBe(0);
  });
});
