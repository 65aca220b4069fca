import { expect, test } from 'vitest';
import { runMembershipSimulation } from './simulation';
import { lanSwimConfig, suspicionBounds } from './swimConfig';

/**
 * Bound on detection in a 1,000-node cluster (lan preset), summed from its parts:
 * - first probe of the victim: each of 999 nodes reaches it at a uniformly random point of
 *   its 1,000-period round, so the first probe is ~1 period away; P(> 10 periods) ≈ e⁻¹⁰;
 * - that probe's deadline with unmeasured links: max timeout + indirect window (3 × max);
 * - suspicion: at most its scaled maximum (it falls to the minimum once k = 3 others confirm);
 * - spreading `dead`: ~log₃(1,000) ≈ 7 gossip rounds; allow 4 s.
 */
const config = lanSwimConfig();
const n = 1_000;
const bound =
  10 * config.protocolPeriodMs + 4 * config.maxProbeTimeoutMs + suspicionBounds(config, n).maxMs + 4_000;

test(`1,000 nodes converge, and a killed one is dead everywhere within ${bound} ms`, () => {
  const result = runMembershipSimulation({ nodes: n, config, seed: 42, seedsPerNode: 'all', restarted: 10 });
  expect(result.convergeMs).toBeDefined();
  expect(result.detectMs).toBeDefined();
  expect(result.detectMs!).toBeLessThan(bound);
  expect(result.falseSuspicions).toBe(0);
}, 60_000);

test('200 nodes joining through 3 random seeds each converge by gossip', () => {
  const result = runMembershipSimulation({ nodes: 200, config, seed: 7, seedsPerNode: 3, convergeLimitMs: 60_000 });
  expect(result.convergeMs).toBeDefined();
  expect(result.convergeMs!).toBeLessThan(30_000);
  expect(result.detectMs).toBeDefined();
  expect(result.falseSuspicions).toBe(0);
}, 60_000);
