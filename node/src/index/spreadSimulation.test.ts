import { describe, expect, it } from 'vitest';
import { simulateSpread } from './spreadSimulation';

const link = { delayMs: 50, jitterMs: 40, lossPercent: 0 };

describe('1,000-node spread of one fact (real AntiEntropy code, memory transport, fake clock)', () => {
  it('eager push with forwarding reaches every node within a few anti-entropy rounds', async () => {
    const result = await simulateSpread({ nodes: 1000, seed: 7, link, antiEntropy: { pushFanout: 3, forwardPushes: true, fanout: 3 } });
    expect(result.reachedMs.all).not.toBeNull();
    expect(result.rounds.all).toBeLessThanOrEqual(10);
    // Push alone must do most of the work before the first digest round comes around.
    expect(result.reachedMs.p50!).toBeLessThan(1_000);
  });

  it('anti-entropy alone still reaches every node within 10 rounds, and traffic stays proportional', async () => {
    const result = await simulateSpread({ nodes: 1000, seed: 11, link, antiEntropy: { pushFanout: 0, forwardPushes: false, fanout: 3 } });
    expect(result.rounds.all).not.toBeNull();
    expect(result.rounds.all!).toBeLessThanOrEqual(10);
    // Three digests a round per node plus their answers: tens of frames per node, not thousands.
    expect(result.framesPerNode).toBeLessThan(100);
  });

  it('with 20 % loss on every link the fact still reaches every node', async () => {
    const result = await simulateSpread({
      nodes: 300,
      seed: 3,
      link: { ...link, lossPercent: 20 },
      antiEntropy: { pushFanout: 3, forwardPushes: true, fanout: 3 },
    });
    expect(result.reachedMs.all).not.toBeNull();
  });
});
