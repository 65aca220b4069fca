import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LogSampler } from './logSampler';

function capture() {
  const lines: Array<{ msg: string; suppressed?: number }> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('LogSampler', () => {
  it('writes the first few of a flood, then one line with the count of the rest', async () => {
    const { logger, lines } = capture();
    let now = 1_000;
    const sampler = new LogSampler(logger, { burst: 3, intervalMs: 10_000, now: () => now });
    for (let i = 0; i < 1_000; i++) sampler.warn('unsigned upgrade', { i }, 'refused an unsigned upgrade');
    sampler.warn('other', {}, 'another kind is counted apart');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.filter((l) => l.msg === 'refused an unsigned upgrade')).toHaveLength(3);
    expect(lines.some((l) => l.msg === 'another kind is counted apart')).toBe(true);

    now += 10_000;
    sampler.warn('unsigned upgrade', {}, 'refused an unsigned upgrade');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.find((l) => l.suppressed !== undefined)).toMatchObject({ suppressed: 997 });
    expect(lines.filter((l) => l.msg === 'refused an unsigned upgrade')).toHaveLength(4);
  });

  it('sums up a flood that stopped when its interval ends', async () => {
    const { logger, lines } = capture();
    const sampler = new LogSampler(logger, { burst: 1, intervalMs: 50 });
    for (let i = 0; i < 10; i++) sampler.warn('faults', {}, 'link faults changed');
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(lines.map((l) => l.suppressed ?? l.msg)).toEqual(['link faults changed', 9]);
  });
});
