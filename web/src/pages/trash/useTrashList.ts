import { ref } from 'vue';
import type { ClientItem, Usage } from '../../api/files';
import { errorMessage } from '../../api/errorMessages';
import { emptyTrash, fetchTrash, purgeFromTrash, restoreFromTrash, type TrashItem } from '../../api/trash';

/** Items asked for per page of the trash. */
export const TRASH_PAGE_SIZE = 100;
/** The largest page a re-read asks for (the list API's own largest page). */
const MAX_PAGE = 1000;

export interface Restored {
  deleted: TrashItem;
  restored: ClientItem;
}

export interface Failed {
  item: TrashItem;
  caught: unknown;
}

/**
 * The trash on screen: the pages loaded so far (newest deletion first, paged by the server's
 * cursor), the quota the answers carry, and restore and purge item by item. An answer to an
 * older read (a slow one overtaken by a refresh) is dropped.
 */
export function useTrashList() {
  const items = ref<TrashItem[]>([]);
  const cursor = ref<string | null>(null);
  const usage = ref<Usage | null>(null);
  const retentionDays = ref<number | null>(null);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let sent = 0;
  let shown = 0;

  async function read(limit: number, from: string | undefined, merge: (page: TrashItem[]) => TrashItem[]): Promise<void> {
    const seq = ++sent;
    loading.value = true;
    try {
      const answer = await fetchTrash({ limit, cursor: from });
      if (seq < shown) return;
      shown = seq;
      items.value = merge(answer.items);
      cursor.value = answer.cursor ?? null;
      usage.value = answer.usage;
      retentionDays.value = answer.retentionDays;
      error.value = null;
    } catch (caught) {
      if (seq >= shown) error.value = errorMessage(caught);
    } finally {
      if (seq === sent) loading.value = false;
      loaded.value = true;
    }
  }

  const load = () => read(TRASH_PAGE_SIZE, undefined, (page) => page);

  /** Re-reads from the top as many items as are shown, so the list keeps its length and the quota is fresh. */
  const refresh = () => read(Math.min(MAX_PAGE, Math.max(TRASH_PAGE_SIZE, items.value.length)), undefined, (page) => page);

  async function loadMore(): Promise<void> {
    if (!cursor.value || loading.value) return;
    await read(TRASH_PAGE_SIZE, cursor.value, (page) => {
      const known = new Set(items.value.map((i) => i.id));
      return [...items.value, ...page.filter((i) => !known.has(i.id))];
    });
  }

  /** Runs `operation` on each item in turn; those that worked leave the list at once. */
  async function each<T>(chosen: readonly TrashItem[], operation: (item: TrashItem) => Promise<T>): Promise<{ done: Array<{ item: TrashItem; result: T }>; failed: Failed[] }> {
    const done: Array<{ item: TrashItem; result: T }> = [];
    const failed: Failed[] = [];
    for (const item of chosen) {
      try {
        done.push({ item, result: await operation(item) });
      } catch (caught) {
        failed.push({ item, caught });
      }
    }
    const gone = new Set(done.map((d) => d.item.id));
    items.value = items.value.filter((i) => !gone.has(i.id));
    if (done.length > 0) void refresh();
    return { done, failed };
  }

  async function restore(chosen: readonly TrashItem[]): Promise<{ restored: Restored[]; failed: Failed[] }> {
    const { done, failed } = await each(chosen, async (item) => (await restoreFromTrash(item.id)).item);
    return { restored: done.map((d) => ({ deleted: d.item, restored: d.result })), failed };
  }

  async function purge(chosen: readonly TrashItem[]): Promise<{ purged: TrashItem[]; failed: Failed[] }> {
    const { done, failed } = await each(chosen, (item) => purgeFromTrash(item.id));
    return { purged: done.map((d) => d.item), failed };
  }

  /** Empties the whole trash, pages not loaded yet included; answers how many items went. */
  async function empty(): Promise<number> {
    const { purged } = await emptyTrash();
    items.value = [];
    cursor.value = null;
    await refresh();
    return purged;
  }

  return { items, cursor, usage, retentionDays, loaded, loading, error, load, refresh, loadMore, restore, purge, empty };
}
