/**
 * The live mesh: socket.io namespace /mesh (a snapshot on connect and after every change,
 * plus activity events), with GET /api/nodes polling while the socket is down so that the
 * page keeps updating through a gateway restart or a proxy that drops WebSockets.
 */
import { io, type Socket } from 'socket.io-client';
import { onBeforeUnmount, onMounted, ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import { fetchMesh, type MeshEvent, type MeshSnapshot } from '../api/mesh';

export type MeshConnection = 'connecting' | 'live' | 'polling';
export type ActivityEvent = Extract<MeshEvent, { type: 'gossip' | 'replication' }>;

export interface UseMeshSocketOptions {
  onActivity?: (event: ActivityEvent) => void;
  pollMs?: number;
  /** Tests pass a fake; the page uses socket.io on the same origin. */
  connect?: () => Socket;
}

export interface MeshSocket {
  snapshot: ShallowRef<MeshSnapshot | null>;
  connection: Ref<MeshConnection>;
  /** Message of the last failed poll, cleared by the next success. */
  error: Ref<string | null>;
  refresh: () => Promise<void>;
}

export function useMeshSocket(opts: UseMeshSocketOptions = {}): MeshSocket {
  const snapshot = shallowRef<MeshSnapshot | null>(null);
  const connection = ref<MeshConnection>('connecting');
  const error = ref<string | null>(null);
  let socket: Socket | undefined;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  function accept(next: MeshSnapshot): void {
    // A poll answered after a newer pushed snapshot must not roll the page back.
    if (snapshot.value && Date.parse(next.at) < Date.parse(snapshot.value.at)) return;
    snapshot.value = next;
  }

  async function refresh(): Promise<void> {
    try {
      accept(await fetchMesh());
      error.value = null;
    } catch (e) {
      error.value = e instanceof Error ? e.message : 'The mesh status could not be loaded.';
    }
  }

  function schedulePoll(): void {
    if (stopped || pollTimer !== undefined || connection.value === 'live') return;
    pollTimer = setTimeout(async () => {
      pollTimer = undefined;
      if (connection.value === 'live' || stopped) return;
      await refresh();
      schedulePoll();
    }, opts.pollMs ?? 2_000);
  }

  function goDown(): void {
    connection.value = 'polling';
    schedulePoll();
  }

  onMounted(() => {
    void refresh();
    socket = opts.connect ? opts.connect() : io('/mesh', { reconnectionDelayMax: 5_000 });
    socket.on('connect', () => {
      connection.value = 'live';
      clearTimeout(pollTimer);
      pollTimer = undefined;
    });
    socket.on('disconnect', goDown);
    socket.on('connect_error', goDown);
    socket.on('mesh', (event: MeshEvent) => {
      if (event.type === 'snapshot') accept(event.snapshot);
      else if (event.type === 'gossip' || event.type === 'replication') opts.onActivity?.(event);
    });
    // Until the first connect succeeds, poll as if the socket were down.
    schedulePoll();
  });

  onBeforeUnmount(() => {
    stopped = true;
    clearTimeout(pollTimer);
    socket?.disconnect();
  });

  return { snapshot, connection, error, refresh };
}
