// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { nodeView } from '../mesh/fixtures';

const { fetchMesh } = vi.hoisted(() => ({ fetchMesh: vi.fn() }));
vi.mock('../../api/mesh', () => ({ fetchMesh }));

import RegionSelect from './RegionSelect.vue';

describe('RegionSelect', () => {
  it('offers the configured regions only, not one that joined the cluster live', async () => {
    const joined = { ...nodeView('asia'), id: 'sa-east', label: 'SA East (São Paulo)', homeRegion: false, layoutState: 'active' as const };
    fetchMesh.mockResolvedValue({ nodes: [nodeView('us-east'), nodeView('eu-west'), joined], links: [], at: '2026-01-01T00:00:00.000Z' });
    const wrapper = mount(RegionSelect, { props: { modelValue: '' } });
    await flushPromises();
    expect(wrapper.findAll('option').map((o) => o.text())).toEqual(['US East (N. Virginia)', 'EU West (Dublin)']);
  });
});
