import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { deleteFile, fetchFiles, type ClientFile, type Usage } from '../api/files';
import { errorMessage } from '../api/errorMessages';

/** The signed-in user's files and quota, as last read from GET /api/files/list. */
export const useFilesStore = defineStore('files', () => {
  const files = ref<ClientFile[]>([]);
  const usage = ref<Usage | null>(null);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);

  /** Newest first: a fresh upload appears at the top where its progress bar just was. */
  const sorted = computed(() => [...files.value].sort((a, b) => b.createdAt.localeCompare(a.createdAt)));
  const hasPending = computed(() => files.value.some((f) => Object.values(f.replicas).includes('pending')));

  async function refresh(): Promise<void> {
    loading.value = true;
    try {
      const answer = await fetchFiles();
      files.value = answer.files;
      usage.value = answer.usage;
      error.value = null;
    } catch (caught) {
      error.value = errorMessage(caught);
    } finally {
      loading.value = false;
      loaded.value = true;
    }
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
    usage.value = null;
    loaded.value = false;
    error.value = null;
  }

  return { files, usage, loaded, loading, error, sorted, hasPending, refresh, addUploaded, remove, reset };
});
