// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import FaultSummary from './FaultSummary.vue';

describe('FaultSummary', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('says what is injected and counts down to the moment the node heals itself', async () => {
    const expiresAt = Date.now() + 125_000;
    const wrapper = mount(FaultSummary, { props: { faults: { partitionedFrom: ['us-east'], lossPercent: 10, paused: true, expiresAt } } });
    const text = wrapper.get('[data-testid="fault-summary"]').text();
    expect(text).toContain('offline (paused)');
    expect(text).toContain('10 % loss');
    expect(text).toContain('partitioned from us-east');
    expect(text).toContain('heals itself in 2 min 5 s');
    vi.advanceTimersByTime(70_000);
    await wrapper.vm.$nextTick();
    expect(wrapper.text()).toContain('heals itself in 55 s');
  });

  it('shows nothing for a healthy node', () => {
    const wrapper = mount(FaultSummary, { props: { faults: { partitionedFrom: [], lossPercent: null, paused: false, expiresAt: null } } });
    expect(wrapper.find('[data-testid="fault-summary"]').exists()).toBe(false);
  });
});
