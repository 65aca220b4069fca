// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { snapshotOf } from './fixtures';
import { describeMesh, formatBytes, layoutStateText, LINK_COLOURS, linkKey, nodeStateText, presentLinks, rebalanceText, rttText } from './meshText';

describe('link and node wording', () => {
  it('colours each link by state and labels it with its RTT, or "down"', () => {
    const links = presentLinks(
      snapshotOf({}, [{}, { state: 'degraded', lossPercent: 10 }, { state: 'down', rttMs: null }]),
    );
    expect(links.map((l) => [l.key, l.state, l.colour, l.label])).toEqual([
      ['eu-west|us-east', 'up', LINK_COLOURS.up, '81 ms'],
      ['asia|us-east', 'degraded', LINK_COLOURS.degraded, '152 ms'],
      ['asia|eu-west', 'down', LINK_COLOURS.down, 'down'],
    ]);
    expect(new Set(links.map((l) => l.colour)).size).toBe(3);
  });

  it('says the state in words, with loss, so colour is never the only cue', () => {
    const [, degraded, down] = presentLinks(snapshotOf({}, [{}, { state: 'degraded', lossPercent: 10 }, { state: 'down' }]));
    expect(degraded!.description).toBe('Asia (Tokyo) ↔ US East (N. Virginia): degraded, round trip 152 ms, 10 % loss');
    expect(down!.description).toBe('Asia (Tokyo) ↔ EU West (Dublin): down');
  });

  it('describes the whole mesh for the map description, naming failed nodes', () => {
    const text = describeMesh(snapshotOf({ asia: 'dead', 'eu-west': 'suspect' }));
    expect(text).toContain('Asia (Tokyo) is failed (dead)');
    expect(text).toContain('EU West (Dublin) is suspect');
    expect(text).toContain('US East (N. Virginia) is alive');
  });

  it('keys links independently of direction and formats figures', () => {
    expect(linkKey('us-east', 'asia')).toBe(linkKey('asia', 'us-east'));
    expect(nodeStateText('dead')).toBe('failed (dead)');
    expect(rttText(null)).toBe('RTT unknown');
    expect(rttText(4.25)).toBe('4.3 ms');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
  });

  it('says where a node stands in the layout, and how much data still moves', () => {
    expect(layoutStateText('active')).toBeNull();
    expect(layoutStateText(null)).toBeNull();
    expect(layoutStateText('joining')).toBe('joined, waiting to be added');
    expect(layoutStateText('draining')).toBe('draining');
    expect(rebalanceText(null)).toBeNull();
    expect(rebalanceText({ toMove: 0, moved: 225, ratePerSecond: 0 })).toBeNull();
    expect(rebalanceText({ toMove: 75, moved: 150, ratePerSecond: 23.44 })).toBe('75 to move, 150 moved, 23 files/s');
    expect(rebalanceText({ toMove: 0, moved: 3, ratePerSecond: 0.46 })).toBe('0 to move, 3 moved, 0.5 files/s');
  });
});
