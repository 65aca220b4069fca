// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { snapshotOf } from './fixtures';
import MeshMap from './MeshMap.vue';
import { LINK_COLOURS } from './meshText';

describe('MeshMap', () => {
  it('has a title and a description that states every node in words', () => {
    const wrapper = mount(MeshMap, { props: { snapshot: snapshotOf({ asia: 'dead' }), dots: [], dotDurationMs: 1000 } });
    const svg = wrapper.get('svg');
    expect(svg.attributes('role')).toBe('img');
    expect(svg.attributes('aria-labelledby')).toBe('mesh-map-title mesh-map-desc');
    expect(wrapper.get('#mesh-map-title').text()).toContain('GeoVault mesh');
    expect(wrapper.get('#mesh-map-desc').text()).toContain('Asia (Tokyo) is failed (dead)');
  });

  it('draws a marker per node with its state, and a cross for a failed one', () => {
    const wrapper = mount(MeshMap, { props: { snapshot: snapshotOf({ asia: 'dead' }), dots: [], dotDurationMs: 1000 } });
    const markers = wrapper.findAll('g.marker');
    expect(markers.map((m) => [m.attributes('data-node'), m.attributes('data-state')])).toEqual([
      ['us-east', 'alive'],
      ['eu-west', 'alive'],
      ['asia', 'dead'],
    ]);
    expect(markers[2]!.find('circle').exists()).toBe(false);
    expect(markers[2]!.text()).toBe('Asia: failed (dead)');
  });

  it('draws each link in its state colour with its RTT label, and a dot per activity', () => {
    const snapshot = snapshotOf({}, [{}, { state: 'down' }]);
    const dots = [{ id: 1, kind: 'gossip' as const, from: 'us-east', to: 'asia', until: 5 }];
    const wrapper = mount(MeshMap, { props: { snapshot, dots, dotDurationMs: 1000 } });
    const links = wrapper.findAll('g.link');
    expect(links).toHaveLength(3);
    expect(links[0]!.get('path').attributes('stroke')).toBe(LINK_COLOURS.up);
    expect(links[0]!.text()).toBe('81 ms');
    expect(links[1]!.get('path').attributes('stroke')).toBe(LINK_COLOURS.down);
    expect(links[1]!.text()).toBe('down');
    // The dot travels from → to: its path starts at the us-east marker, not at asia.
    const motion = wrapper.get('.traffic circle.gossip animateMotion').attributes('path')!;
    const [x, y] = wrapper.get('g.marker[data-node="us-east"]').attributes('transform')!.match(/-?[\d.]+/g)!.map(Number);
    const [mx, my] = motion.match(/-?[\d.]+/g)!.map(Number);
    expect(mx).toBeCloseTo(x!, 0);
    expect(my).toBeCloseTo(y!, 0);
  });
});
