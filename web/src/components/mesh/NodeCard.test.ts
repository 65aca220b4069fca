// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { nodeView } from './fixtures';
import NodeCard from './NodeCard.vue';

const card = (node: ReturnType<typeof nodeView>) => mount(NodeCard, { props: { node, peers: [node], canInject: false, busy: false } });

describe('node card', () => {
  it('says nothing of the layout for an active node with nothing to move', () => {
    const wrapper = card(nodeView('asia'));
    expect(wrapper.find('[data-testid="node-layout"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="node-rebalance"]').exists()).toBe(false);
  });

  it('shows a node that joined and waits, and data moving: files to move, moved, rate', () => {
    const wrapper = card(nodeView('asia', 'alive', { layoutState: 'joining', rebalance: { toMove: 120, moved: 35, ratePerSecond: 18 } }));
    expect(wrapper.get('[data-testid="node-layout"]').text()).toBe('Cluster layout: joined, waiting to be added');
    expect(wrapper.get('[data-testid="node-rebalance"]').text()).toBe('Moving data: 120 to move, 35 moved, 18 files/s');
  });
});
