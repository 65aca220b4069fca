import { describe, expect, it } from 'vitest';
import { quorum, QuorumError } from './quorum';

const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const failLater = (ms: number) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('down')), ms));
const byHash = (r: { sha: string }) => r.sha;

describe('quorum', () => {
  it('resolves as soon as W results agree, without waiting for the slowest', async () => {
    const started = Date.now();
    const result = await quorum([later(5, { sha: 'a' }), later(10, { sha: 'a' }), later(2_000, { sha: 'a' })], 2, byHash);
    expect(result).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('does not count disagreeing results together', async () => {
    await expect(quorum([later(1, { sha: 'a' }), later(2, { sha: 'b' }), failLater(3)], 2, byHash)).rejects.toBeInstanceOf(QuorumError);
    const agreed = await quorum([later(1, { sha: 'a' }), later(2, { sha: 'b' }), later(3, { sha: 'b' })], 2, byHash);
    expect(agreed.map((r) => r.sha)).toEqual(['b', 'b']);
  });

  it('rejects as soon as the quorum has become impossible', async () => {
    const started = Date.now();
    await expect(quorum([failLater(1), failLater(2), later(2_000, { sha: 'a' })], 2, byHash)).rejects.toMatchObject({ needed: 2, achieved: 0 });
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(quorum([later(1, { sha: 'a' })], 2, byHash)).rejects.toBeInstanceOf(QuorumError);
  });
});
