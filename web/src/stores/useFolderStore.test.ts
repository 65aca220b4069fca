// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientItem, FolderListResponse, FolderPageQuery } from '../api/files';

interface Pending {
  query: FolderPageQuery;
  answer: (items: ClientItem[], cursor?: string) => void;
}
const requests: Pending[] = [];

vi.mock('../api/files', () => ({
  ROOT_FOLDER: 'root',
  fetchFolder: (query: FolderPageQuery) =>
    new Promise<FolderListResponse>((resolve) => {
      requests.push({
        query,
        answer: (items, cursor) =>
          resolve({ folder: { id: query.folder, name: query.folder, path: [] }, items, files: [], usage: { used: 0, limit: 1 }, ...(cursor ? { cursor } : {}) }),
      });
    }),
}));

const { useFolderStore } = await import('./useFolderStore');

const item = (id: string, parentId = 'root'): ClientItem => ({ id, kind: 'file', name: id, parentId, size: 1, createdAt: '', modifiedAt: '' });
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the folder store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    requests.length = 0;
    localStorage.clear();
  });

  it('drops the answer for a folder it has already left', async () => {
    const store = useFolderStore();
    void store.open('a');
    void store.open('b');
    requests[1]!.answer([item('in-b', 'b')]);
    requests[0]!.answer([item('in-a', 'a')]);
    await settle();
    expect(store.folderId).toBe('b');
    expect(store.items.map((i) => i.id)).toEqual(['in-b']);
  });

  it('never lets a slow refresh overwrite a newer one', async () => {
    const store = useFolderStore();
    void store.open('root');
    requests[0]!.answer([item('x')]);
    await settle();
    void store.refresh();
    void store.refresh();
    requests[2]!.answer([item('x'), item('new')]);
    await settle();
    requests[1]!.answer([item('x')]);
    await settle();
    expect(store.items.map((i) => i.id)).toEqual(['x', 'new']);
  });

  it('pages with the cursor and keeps items it already has once', async () => {
    const store = useFolderStore();
    void store.open('root');
    requests[0]!.answer([item('a'), item('b')], 'c1');
    await settle();
    void store.loadMore();
    expect(requests[1]!.query.cursor).toBe('c1');
    requests[1]!.answer([item('b'), item('c')]);
    await settle();
    expect(store.items.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(store.cursor).toBeNull();
  });

  it('flips the order on the same column, starts dates newest first, and remembers the choice', async () => {
    const store = useFolderStore();
    expect([store.sort, store.order]).toEqual(['name', 'asc']);
    void store.sortBy('name');
    expect([store.sort, store.order]).toEqual(['name', 'desc']);
    void store.sortBy('modified');
    expect([store.sort, store.order]).toEqual(['modified', 'desc']);
    expect(requests.at(-1)!.query).toMatchObject({ sort: 'modified', order: 'desc' });
    setActivePinia(createPinia());
    expect([useFolderStore().sort, useFolderStore().order]).toEqual(['modified', 'desc']);
  });

  it('takes an item that left the folder out of the list, and puts a new one in', () => {
    const store = useFolderStore();
    store.items = [item('a'), item('b')];
    store.upsert(item('a', 'elsewhere'));
    store.upsert(item('c'));
    expect(store.items.map((i) => i.id)).toEqual(['c', 'b']);
  });
});
