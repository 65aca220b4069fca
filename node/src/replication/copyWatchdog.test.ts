import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fakeClock';
import { CopyWatchdog, type WatchedCopy } from './copyWatchdog';

function copy(node: string, own = false): WatchedCopy & { dropped?: string } {
  const branch = new PassThrough({ highWaterMark: 4 });
  const watched: WatchedCopy & { dropped?: string } = { node, branch, state: 'running' };
  if (!own) watched.drop = (reason) => (watched.dropped = reason);
  return watched;
}

/** Fills a branch nobody reads, as a frozen peer leaves it. */
function stall(watched: WatchedCopy): void {
  while (watched.branch.write(Buffer.alloc(16)));
}

function setup(alive: Set<string>) {
  const clock = new FakeClock();
  const copies = [copy('us-east', true), copy('eu-west'), copy('asia')];
  const drops: string[] = [];
  const watchdog = new CopyWatchdog(copies, { keep: 2, stallMs: 3_000, isAlive: (n) => alive.has(n), clock, onDrop: (n) => drops.push(n) });
  watchdog.start();
  return { clock, copies, drops, watchdog };
}

describe('CopyWatchdog', () => {
  it('drops a copy whose node stopped reading, once it has been stuck for the stall time', () => {
    const { clock, copies, drops } = setup(new Set(['us-east', 'eu-west', 'asia']));
    stall(copies[2]!);
    clock.advance(2_500);
    expect(drops).toEqual([]);
    clock.advance(1_000);
    expect(drops).toEqual(['asia']);
    expect(copies[2]!.dropped).toMatch(/took no bytes/);
    expect(copies[1]!.dropped).toBeUndefined();
  });

  it('drops a copy whose node SWIM no longer holds alive, at the next look', () => {
    const alive = new Set(['us-east', 'eu-west', 'asia']);
    const { clock, copies, drops } = setup(alive);
    clock.advance(1_000);
    alive.delete('eu-west');
    clock.advance(600);
    expect(drops).toEqual(['eu-west']);
    expect(copies[1]!.dropped).toMatch(/no longer held alive/);
  });

  it('never drops below the write quorum, and never drops this node’s own write', () => {
    const { clock, copies, drops } = setup(new Set(['us-east']));
    stall(copies[0]!);
    clock.advance(10_000);
    // Both peers are down, but only one may go: W=2 needs the other to keep trying.
    expect(drops).toHaveLength(1);
    expect(copies.filter((c) => c.state === 'failed')).toHaveLength(1);
    expect(copies[0]!.state).toBe('running');
  });

  it('a stored copy counts toward the quorum, so a hung third copy is cut after the answer', () => {
    const alive = new Set(['us-east', 'eu-west', 'asia']);
    const { clock, copies, drops } = setup(alive);
    copies[0]!.state = 'stored';
    copies[1]!.state = 'stored';
    alive.delete('asia');
    clock.advance(600);
    expect(drops).toEqual(['asia']);
  });

  it('of two stuck copies, drops the one stuck first (the other may only be slow)', () => {
    const { clock, copies, drops } = setup(new Set(['us-east', 'eu-west', 'asia']));
    stall(copies[2]!);
    clock.advance(2_000);
    stall(copies[1]!);
    clock.advance(3_000);
    expect(drops).toEqual(['asia']);
    clock.advance(10_000);
    expect(drops).toEqual(['asia']);
  });

  it('a copy that keeps taking bytes is left alone however long it takes', () => {
    const { clock, copies, drops } = setup(new Set(['us-east', 'eu-west', 'asia']));
    for (let i = 0; i < 20; i++) {
      stall(copies[2]!);
      clock.advance(1_000);
      const branch = copies[2]!.branch as PassThrough;
      while (branch.read() !== null);
      clock.advance(500);
    }
    expect(drops).toEqual([]);
  });
});
