import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import {
  ROOT_FOLDER,
  copyItem,
  createFolder as createFolderApi,
  deleteItem,
  fetchFolder,
  updateItem,
  type ClientItem,
  type FolderListResponse,
  type OnConflict,
  type SortKey,
  type SortOrder,
  type Usage,
} from '../api/files';
import { errorMessage } from '../api/errorMessages';

/** Items asked for per page: enough to fill a tall screen twice, small enough to answer fast. */
export const PAGE_SIZE = 200;
/** The list API's largest page: a refresh re-reads at most this many items from the top. */
const MAX_PAGE = 1000;
const SORT_KEY = 'geovault.files.sort';

type Folder = FolderListResponse['folder'];

function savedSort(): { sort: SortKey; order: SortOrder } {
  try {
    const saved = JSON.parse(localStorage.getItem(SORT_KEY) ?? 'null') as { sort?: string; order?: string } | null;
    if (saved && ['name', 'modified', 'size'].includes(saved.sort ?? '') && ['asc', 'desc'].includes(saved.order ?? '')) {
      return { sort: saved.sort as SortKey, order: saved.order as SortOrder };
    }
  } catch {
    // Storage blocked or garbage in it: the default order is fine.
  }
  return { sort: 'name', order: 'asc' };
}

/**
 * The folder on screen: its place in the tree, the pages of items loaded so far (the server
 * sorts and pages, so only what was scrolled to is in memory) and the actions on its items.
 */
export const useFolderStore = defineStore('folder', () => {
  const folderId = ref<string>(ROOT_FOLDER);
  const folder = ref<Folder | null>(null);
  const items = ref<ClientItem[]>([]);
  /** Where the next page starts; null once the folder is loaded to its end. */
  const cursor = ref<string | null>(null);
  const usage = ref<Usage | null>(null);
  const initial = savedSort();
  const sort = ref<SortKey>(initial.sort);
  const order = ref<SortOrder>(initial.order);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** Bumped on every open() and sort change: an answer for an older request is dropped. */
  let generation = 0;

  const hasPending = computed(() => items.value.some((i) => i.replicas && Object.values(i.replicas).includes('pending')));
  /** Root first, the current folder last: what the breadcrumbs show. */
  const trail = computed(() => {
    const current = folder.value;
    if (!current) return [];
    const above = current.path.filter((step) => step.id !== current.id);
    return [...above, { id: current.id, name: current.name }];
  });

  /** Requests numbered as sent: an answer older than one already shown (a slow refresh) is dropped. */
  let sent = 0;
  let shown = 0;

  async function loadPage(limit: number, from: string | undefined, merge: (page: ClientItem[]) => ClientItem[]): Promise<void> {
    const mine = generation;
    const seq = ++sent;
    loading.value = true;
    try {
      const answer = await fetchFolder({ folder: folderId.value, sort: sort.value, order: order.value, limit, cursor: from });
      if (mine !== generation || seq < shown) return;
      shown = seq;
      folder.value = answer.folder;
      items.value = merge(answer.items);
      cursor.value = answer.cursor ?? null;
      usage.value = answer.usage;
      error.value = null;
    } catch (caught) {
      if (mine !== generation) return;
      error.value = errorMessage(caught);
    } finally {
      if (mine === generation) {
        loading.value = false;
        loaded.value = true;
      }
    }
  }

  /** Shows another folder, from its first page. */
  function open(id: string): Promise<void> {
    generation += 1;
    folderId.value = id || ROOT_FOLDER;
    items.value = [];
    cursor.value = null;
    loaded.value = false;
    if (folder.value?.id !== folderId.value) folder.value = null;
    return loadPage(PAGE_SIZE, undefined, (page) => page);
  }

  /** Re-reads from the top as many items as are shown, so a refresh never shrinks the list. */
  function refresh(): Promise<void> {
    return loadPage(Math.min(MAX_PAGE, Math.max(PAGE_SIZE, items.value.length)), undefined, (page) => page);
  }

  async function loadMore(): Promise<void> {
    if (!cursor.value || loading.value) return;
    await loadPage(PAGE_SIZE, cursor.value, (page) => {
      const known = new Set(items.value.map((i) => i.id));
      return [...items.value, ...page.filter((i) => !known.has(i.id))];
    });
  }

  /** A header click: the same column flips its order, another starts ascending (newest first for dates). */
  function sortBy(key: SortKey): Promise<void> {
    if (sort.value === key) order.value = order.value === 'asc' ? 'desc' : 'asc';
    else {
      sort.value = key;
      order.value = key === 'modified' ? 'desc' : 'asc';
    }
    try {
      localStorage.setItem(SORT_KEY, JSON.stringify({ sort: sort.value, order: order.value }));
    } catch {
      // Not remembered across reloads; sorting still works.
    }
    // The rows on screen stay until the re-sorted first page replaces them, so the table (and
    // the header button that has the focus) is not torn down and rebuilt.
    generation += 1;
    cursor.value = null;
    return loadPage(PAGE_SIZE, undefined, (page) => page);
  }

  /** Puts a changed or new item in place at once; the refresh that follows sorts it where the server does. */
  function upsert(item: ClientItem): void {
    if (item.parentId !== folderId.value) {
      items.value = items.value.filter((i) => i.id !== item.id);
      return;
    }
    const at = items.value.findIndex((i) => i.id === item.id);
    if (at >= 0) items.value.splice(at, 1, item);
    else items.value = [item, ...items.value];
  }

  async function createFolder(name: string, onConflict?: OnConflict): Promise<ClientItem> {
    const { item } = await createFolderApi(folderId.value, name, onConflict);
    upsert(item);
    return item;
  }

  async function rename(id: string, name: string, onConflict?: OnConflict): Promise<ClientItem> {
    const { item } = await updateItem(id, { name }, onConflict);
    upsert(item);
    return item;
  }

  async function move(id: string, parentId: string, onConflict?: OnConflict): Promise<ClientItem> {
    const { item } = await updateItem(id, { parentId }, onConflict);
    upsert(item);
    return item;
  }

  async function copy(id: string, parentId: string, onConflict?: OnConflict): Promise<ClientItem> {
    const { item } = await copyItem(id, parentId, onConflict);
    upsert(item);
    return item;
  }

  async function remove(id: string): Promise<void> {
    await deleteItem(id);
    items.value = items.value.filter((i) => i.id !== id);
  }

  function reset(): void {
    generation += 1;
    folderId.value = ROOT_FOLDER;
    folder.value = null;
    items.value = [];
    cursor.value = null;
    usage.value = null;
    loaded.value = false;
    loading.value = false;
    error.value = null;
  }

  return {
    folderId,
    folder,
    items,
    cursor,
    usage,
    sort,
    order,
    loaded,
    loading,
    error,
    hasPending,
    trail,
    open,
    refresh,
    loadMore,
    sortBy,
    upsert,
    createFolder,
    rename,
    move,
    copy,
    remove,
    reset,
  };
});
