import { ref } from 'vue';
import type { ClientItem, OnConflict } from '../api/files';
import { restoreFromTrash } from '../api/trash';
import { describeItems } from '../components/files/itemActions';
import { isNameTaken, itemErrorMessage } from '../components/files/itemErrors';
import type { useFolderStore } from '../stores/useFolderStore';

/** A failure shown above the list; `retry` is "keep both" after a same-name clash. */
export interface Problem {
  message: string;
  retry?: () => Promise<void>;
}

type Store = ReturnType<typeof useFolderStore>;
type Operation = (item: ClientItem, onConflict?: OnConflict) => Promise<unknown>;

/**
 * Runs the file manager's actions item by item and turns what failed into one Problem: the
 * items that clashed on name can be retried with "keep both" (the server then picks
 * `name (1).ext`), the rest are reported in words.
 */
export function useFileActions(store: Store) {
  const problem = ref<Problem | null>(null);
  const notice = ref<string | null>(null);
  const busy = ref(false);
  /** What the last delete sent to the trash, while its notice offers "Undo". */
  const deleted = ref<ClientItem[] | null>(null);

  /**
   * `clashName` is the name that was found taken: the item's own for a move or copy, the new
   * one for a rename.
   */
  async function each(
    items: readonly ClientItem[],
    operation: Operation,
    done: (ok: ClientItem[]) => string,
    clashName: (item: ClientItem) => string = (item) => item.name,
    onConflict?: OnConflict,
  ): Promise<ClientItem[]> {
    busy.value = true;
    problem.value = null;
    notice.value = null;
    deleted.value = null;
    const ok: ClientItem[] = [];
    const failed: Array<{ item: ClientItem; caught: unknown }> = [];
    try {
      for (const item of items) {
        try {
          await operation(item, onConflict);
          ok.push(item);
        } catch (caught) {
          failed.push({ item, caught });
        }
      }
    } finally {
      busy.value = false;
    }
    if (ok.length > 0) {
      notice.value = done(ok);
      // The server's order, and the quota, which a delete or a copy changed.
      void store.refresh();
    }
    if (failed.length > 0) {
      const first = failed[0]!;
      const reason = itemErrorMessage(first.caught, clashName(first.item));
      const clashed = failed.filter((f) => isNameTaken(f.caught)).map((f) => f.item);
      problem.value = {
        message: failed.length === 1 ? reason : `${failed.length} of ${items.length} items failed. ${reason}`,
        retry: clashed.length > 0 && onConflict !== 'rename' ? async () => void (await each(clashed, operation, done, clashName, 'rename')) : undefined,
      };
    }
    return ok;
  }

  const plural = (items: readonly ClientItem[]) => describeItems(items);

  return {
    problem,
    notice,
    busy,
    move: (items: readonly ClientItem[], folderId: string, folderName: string) =>
      each(items, (item, oc) => store.move(item.id, folderId, oc), (ok) => `${plural(ok)} moved to ${folderName}.`),
    copy: (items: readonly ClientItem[], folderId: string, folderName: string) =>
      each(items, (item, oc) => store.copy(item.id, folderId, oc), (ok) => `${plural(ok)} copied to ${folderName}.`),
    rename: (item: ClientItem, name: string) =>
      each([item], (one, oc) => store.rename(one.id, name, oc), () => `“${item.name}” renamed.`, () => name).then((ok) => ok.length > 0),
    deleted,
    /** Deletes move to the trash: the notice offers to undo them until the next action. */
    remove: async (items: readonly ClientItem[]) => {
      const ok = await each(items, (item) => store.remove(item.id), (gone) => `${plural(gone)} ${gone.length === 1 ? 'was' : 'were'} moved to the trash.`);
      if (ok.length > 0) deleted.value = ok;
      return ok;
    },
    /** "Undo" after a delete: the items come back from the trash where they were. */
    undoDelete: async (): Promise<ClientItem[]> => {
      const items = deleted.value ?? [];
      const restored: ClientItem[] = [];
      await each(
        items,
        async (item) => {
          const { item: back } = await restoreFromTrash(item.id);
          store.upsert(back);
          restored.push(back);
        },
        (ok) => `${plural(ok)} ${ok.length === 1 ? 'is' : 'are'} back.`,
      );
      return restored;
    },
    createFolder: async (name: string): Promise<ClientItem | null> => {
      let created: ClientItem | null = null;
      const placeholder = { id: '', kind: 'folder', name, parentId: store.folderId, size: 0, createdAt: '', modifiedAt: '' } satisfies ClientItem;
      await each([placeholder], async (_item, oc) => (created = await store.createFolder(name, oc)), () => `Folder “${created?.name ?? name}” created.`);
      return created;
    },
    dismiss: () => {
      problem.value = null;
    },
  };
}
