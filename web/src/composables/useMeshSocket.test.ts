// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import type { Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { snapshotOf } from '../components/mesh/fixtures';
import { useMeshSocket, type ActivityEvent, type MeshSocket } from './useMeshSocket';

/** Just enough of a socket.io client: handlers by event name, fired by the test. */
function fakeSocket() {
  const handlers = new Map<string, ((arg?: unknown) => void)[]>();
  const socket = {
    on(event: string, fn: (arg?: unknown) => void) {
      handlers.set(event, [...(handlers.get(event) ?? []), fn]);
      return socket;
    },
    disconnect: vi.fn(),
  };
  const fire = (event: string, arg?: unknown) => handlers.get(event)?.forEach((fn) => fn(arg));
  return { socket: socket as unknown as Socket, fire, disconnect: socket.disconnect };
}

function host(opts: Parameters<typeof useMeshSocket>[0]) {
  let api!: MeshSocket;
  const wrapper = mount(defineComponent({ setup: () => ((api = useMeshSocket(opts)), () => h('div')) }));
  return { wrapper, api: () => api };
}

const fetchMock = vi.fn();

beforeEach(() => {
  vi.useFakeTimers();
  fetchMock.mockReset();
  vi.stubGlobal('fetch', fetchMock);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const answer = (body: unknown) => ({ ok: true, status: 200, json: async () => body });

describe('useMeshSocket', () => {
  it('takes pushed snapshots, forwards activity and stops polling while live', async () => {
    fetchMock.mockResolvedValue(answer(snapshotOf()));
    const fake = fakeSocket();
    const activity: ActivityEvent[] = [];
    const { api, wrapper } = host({ connect: () => fake.socket, onActivity: (e) => activity.push(e), pollMs: 1_000 });
    fake.fire('connect');
    expect(api().connection.value).toBe('live');
    const pushed = { ...snapshotOf({ asia: 'dead' }), at: '2026-01-01T00:00:05.000Z' };
    fake.fire('mesh', { type: 'snapshot', snapshot: pushed });
    fake.fire('mesh', { type: 'gossip', from: 'asia', to: 'us-east', kind: 'push', facts: 1, at: pushed.at });
    expect(api().snapshot.value).toStrictEqual(pushed);
    expect(activity.map((e) => e.type)).toEqual(['gossip']);
    const callsAfterMount = fetchMock.mock.calls.length;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fetchMock.mock.calls.length).toBe(callsAfterMount);
    wrapper.unmount();
    expect(fake.disconnect).toHaveBeenCalled();
  });

  it('falls back to polling GET /api/nodes when the socket drops, and never rolls back to an older snapshot', async () => {
    const fake = fakeSocket();
    const newer = { ...snapshotOf({ asia: 'dead' }), at: '2026-01-01T00:00:10.000Z' };
    fetchMock.mockResolvedValue(answer(snapshotOf()));
    const { api } = host({ connect: () => fake.socket, pollMs: 1_000 });
    fake.fire('connect');
    fake.fire('mesh', { type: 'snapshot', snapshot: newer });
    fake.fire('disconnect');
    expect(api().connection.value).toBe('polling');
    fetchMock.mockClear();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fetchMock).toHaveBeenCalledWith('/api/nodes', expect.objectContaining({ method: 'GET' }));
    expect(api().snapshot.value).toStrictEqual(newer);
    const later = { ...snapshotOf({ asia: 'alive' }), at: '2026-01-01T00:00:20.000Z' };
    fetchMock.mockResolvedValue(answer(later));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(api().snapshot.value).toStrictEqual(later);
    fake.fire('connect');
    fetchMock.mockClear();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
