import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { deleteFile, fetchFiles, type ClientFile, type Usage } from '../api/files';
import { errorMessage } from '../api/errorMessages';

/** Files asked for per page; the list API pages at most 1,000. */
const PAGE = 200;
const MAX_PAGE = 1000;

/** The signed-in user's files and quota, as last read from GET /api/files/list, a page at a time. */
export const useFilesStore = defineStore('files', () => {
  const files = ref<ClientFile[]>([]);
  /** Where the next page starts; null once every file is loaded. */
  const cursor = ref<string | null>(null);
  const usage = ref<Usage | null>(null);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);

  /** Newest first: a fresh upload appears at the top where its progress bar just was. */
  const sorted = computed(() => [...files.value].sort((a, b) => b.createdAt.localeCompare(a.createdAt)));
  const hasPending = computed(() => files.value.some((f) => Object.values(f.replicas).includes('pending')));

  /** Fetches one page and lets `merge` place its files; the quota and the next cursor come with it. */
  async function loadPage(page: { limit: number; cursor?: string }, merge: (page: ClientFile[]) => ClientFile[]): Promise<void> {
    loading.value = true;
    try {
      const answer = await fetchFiles(page);
      files.value = merge(answer.files);
      cursor.value = answer.cursor ?? null;
      usage.value = answer.usage;
      error.value = null;
    } catch (caught) {
      error.value = errorMessage(caught);
    } finally {
      loading.value = false;
      loaded.value = true;
    }
  }

  /** Reloads from the top, as many files as are shown now (so a refresh never shrinks the list). */
  function refresh(): Promise<void> {
    return loadPage({ limit: Math.min(MAX_PAGE, Math.max(PAGE, files.value.length)) }, (page) => page);
  }

  async function loadMore(): Promise<void> {
    if (!cursor.value) return;
    await loadPage({ limit: PAGE, cursor: cursor.value }, (page) => {
      const known = new Set(files.value.map((f) => f.id));
      return [...files.value, ...page.filter((f) => !known.has(f.id))];
    });
  }

  /** Shows an upload at once, before the next list refresh confirms it. */
  function addUploaded(file: ClientFile): void {
    files.value = [file, ...files.value.filter((f) => f.id !== file.id)];
    if (usage.value) usage.value = { ...usage.value, used: usage.value.used + file.size };
  }

  async function remove(id: string): Promise<void> {
    await deleteFile(id);
    files.value = files.value.filter((f) => f.id !== id);
    await refresh();
  }

  function reset(): void {
    files.value = [];
    cursor.value = null;
    usage.value = null;
    loaded.value = false;
    error.value = null;
  }

  return { files, cursor, usage, loaded, loading, error, sorted, hasPending, refresh, loadMore, addUploaded, remove, reset };
});
