// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import FaultControls from './FaultControls.vue';
import { nodeView } from './fixtures';

function setup(extra: Parameters<typeof nodeView>[2] = {}) {
  return mount(FaultControls, {
    props: { node: nodeView('asia', 'alive', extra), peers: [nodeView('us-east'), nodeView('eu-west')], busy: false },
  });
}

describe('FaultControls', () => {
  it('names each control after its node and sends the matching fault body', async () => {
    const wrapper = setup();
    const byName = (name: string) => wrapper.get(`button[aria-label="${name}"]`);
    await byName('Take offline: Asia (Tokyo)').trigger('click');
    await byName('Add 10 % loss: Asia (Tokyo)').trigger('click');
    await byName('Heal: Asia (Tokyo)').trigger('click');
    expect(wrapper.emitted('fault')!.map((e) => e[0])).toEqual([{ paused: true, durationSeconds: 300 }, { lossPercent: 10, durationSeconds: 300 }, { clear: true }]);
  });

  it('partitions from the peer chosen in the labelled select, keeping earlier partitions', async () => {
    const wrapper = setup({ faults: { partitionedFrom: ['us-east'], lossPercent: null, paused: false, expiresAt: null } });
    const select = wrapper.get('select[id="partition-asia"]');
    expect(wrapper.get(`label[for="${select.attributes('id')}"]`).text()).toBe('Partition from');
    await select.setValue('eu-west');
    await wrapper.get('button[aria-label="Partition: Asia (Tokyo)"]').trigger('click');
    expect(wrapper.emitted('fault')![0]![0]).toEqual({ partitionedFrom: ['us-east', 'eu-west'], durationSeconds: 300 });
  });

  it('sends the time after which the node heals itself, chosen in a labelled select', async () => {
    const wrapper = setup();
    const select = wrapper.get('select[id="duration-asia"]');
    expect(wrapper.get('label[for="duration-asia"]').text()).toBe('Heals itself after');
    expect(select.findAll('option').map((o) => o.text())).toEqual(['1 min', '5 min', '15 min', '1 h']);
    await select.setValue('60');
    await wrapper.get('button[aria-label="Take offline: Asia (Tokyo)"]').trigger('click');
    expect(wrapper.emitted('fault')![0]![0]).toEqual({ paused: true, durationSeconds: 60 });
  });

  it('disables "Take offline" on a paused node and everything while busy', async () => {
    const wrapper = setup({ faults: { partitionedFrom: [], lossPercent: null, paused: true, expiresAt: null } });
    expect(wrapper.get('button[aria-label="Take offline: Asia (Tokyo)"]').attributes('disabled')).toBeDefined();
    expect(wrapper.get('button[aria-label="Heal: Asia (Tokyo)"]').attributes('disabled')).toBeUndefined();
    await wrapper.setProps({ busy: true });
    expect(wrapper.findAll('button').every((b) => b.attributes('disabled') !== undefined)).toBe(true);
  });
});
