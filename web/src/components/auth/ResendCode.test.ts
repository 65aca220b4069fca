// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/http';
import ResendCode from './ResendCode.vue';

describe('ResendCode', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits 60 s after opening, counting down, then resends and waits again', async () => {
    const send = vi.fn().mockResolvedValue({ message: 'ok' });
    const wrapper = mount(ResendCode, { props: { send } });
    await flushPromises();
    const button = () => wrapper.get('button');
    expect(button().text()).toBe('Resend code in 60 s');
    expect(button().attributes('disabled')).toBeDefined();

    vi.advanceTimersByTime(15_000);
    await flushPromises();
    expect(button().text()).toBe('Resend code in 45 s');

    vi.advanceTimersByTime(45_000);
    await flushPromises();
    expect(button().text()).toBe('Resend code');
    expect(button().attributes('disabled')).toBeUndefined();

    await button().trigger('click');
    await flushPromises();
    expect(send).toHaveBeenCalledOnce();
    expect(wrapper.get('[role="status"]').text()).toMatch(/new code is on its way/);
    expect(button().text()).toBe('Resend code in 60 s');
    wrapper.unmount();
  });

  it("follows the gateway's Retry-After when it refuses a resend", async () => {
    const send = vi.fn().mockRejectedValue(new ApiError(429, 'rate_limited', 'Too many attempts; try again in 20 s.', 20));
    const wrapper = mount(ResendCode, { props: { send } });
    vi.advanceTimersByTime(60_000);
    await flushPromises();
    await wrapper.get('button').trigger('click');
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toBe('Too many attempts; try again in 20 s.');
    expect(wrapper.get('button').text()).toBe('Resend code in 20 s');
    wrapper.unmount();
  });
});
