// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import QuotaBar from './QuotaBar.vue';
import ReplicaBadges from './ReplicaBadges.vue';

describe('ReplicaBadges', () => {
  it('names every region and its state in text, not only in colour', () => {
    const wrapper = mount(ReplicaBadges, { props: { replicas: { 'us-east': 'stored', asia: 'corrupt', 'eu-west': 'pending' } } });
    expect(wrapper.findAll('li').map((li) => li.text())).toEqual(['! asia: corrupt', '… eu-west: pending', '✓ us-east: stored']);
    expect(wrapper.findAll('li').map((li) => li.attributes('data-state'))).toEqual(['corrupt', 'pending', 'stored']);
  });

  it('says so when no replica is known yet', () => {
    expect(mount(ReplicaBadges, { props: { replicas: {} } }).text()).toBe('no replica reported yet');
  });
});

describe('QuotaBar', () => {
  it('exposes the use as a meter with a text value, and warns in words when nearly full', () => {
    const wrapper = mount(QuotaBar, { props: { usage: { used: 950, limit: 1000 } } });
    const meter = wrapper.get('[role="meter"]');
    expect(meter.attributes('aria-valuetext')).toBe('950 B of 1000 B used (95 %)');
    expect(wrapper.text()).toContain('almost full');
    expect(wrapper.get('.fill').attributes('style')).toContain('width: 95%');
  });
});
