import type { z } from 'zod';
import type {
  copyItemSchema,
  createFolderSchema,
  ensurePathSchema,
  FolderPage,
  FolderQuery,
  ItemView,
  TrashPage,
  treeSearchSchema,
  VersionView,
  updateItemSchema,
  WalkPage,
} from '../../../node/src/api/tree';
import type { NodeClient } from '../mesh/nodeClient';

export interface ItemAnswer {
  item: ItemView;
}

type Body<S extends z.ZodType> = z.output<S>;
type TreeSearch = z.output<typeof treeSearchSchema>;

/**
 * The node's tree API (node/src/api/tree.ts) as typed calls on one node. Every path carries
 * the signed-in user's id, so an item of another user is simply not found there (404). Ids
 * reach this class parsed (UUIDs or `root`); they are still encoded, as any path part is.
 */
export class TreeClient {
  constructor(private readonly client: NodeClient) {}

  folderPage(node: string, userId: string, folderId: string, query: FolderQuery): Promise<FolderPage> {
    const params = new URLSearchParams({ sort: query.sort, order: query.order, limit: String(query.limit) });
    if (query.cursor) params.set('cursor', query.cursor);
    return this.client.json<FolderPage>(node, 'GET', `${base(userId)}/folders/${enc(folderId)}?${params}`);
  }

  createFolder(node: string, userId: string, body: Body<typeof createFolderSchema>): Promise<ItemAnswer> {
    return this.client.json<ItemAnswer>(node, 'POST', `${base(userId)}/folders`, jsonBody(body));
  }

  /** The folder at `path` under `parentId`, made where missing (folder uploads). */
  ensurePath(node: string, userId: string, body: Body<typeof ensurePathSchema>): Promise<ItemAnswer> {
    return this.client.json<ItemAnswer>(node, 'POST', `${base(userId)}/paths`, jsonBody(body));
  }

  item(node: string, userId: string, itemId: string): Promise<ItemAnswer> {
    return this.client.json<ItemAnswer>(node, 'GET', `${base(userId)}/items/${enc(itemId)}`);
  }

  update(node: string, userId: string, itemId: string, body: Body<typeof updateItemSchema>): Promise<ItemAnswer> {
    return this.client.json<ItemAnswer>(node, 'PATCH', `${base(userId)}/items/${enc(itemId)}`, jsonBody(body));
  }

  copy(node: string, userId: string, itemId: string, body: Body<typeof copyItemSchema>): Promise<ItemAnswer> {
    return this.client.json<ItemAnswer>(node, 'POST', `${base(userId)}/items/${enc(itemId)}/copy`, jsonBody(body));
  }

  remove(node: string, userId: string, itemId: string): Promise<{ deleted: boolean }> {
    return this.client.json<{ deleted: boolean }>(node, 'DELETE', `${base(userId)}/items/${enc(itemId)}`);
  }

  search(node: string, userId: string, query: TreeSearch): Promise<{ items: ItemView[] }> {
    const params = new URLSearchParams({ q: query.q, limit: String(query.limit) });
    if (query.type) params.set('type', query.type);
    if (query.folder) params.set('folder', query.folder);
    return this.client.json<{ items: ItemView[] }>(node, 'GET', `${base(userId)}/search?${params}`);
  }

  trash(node: string, userId: string, page: { cursor?: string; limit: number }): Promise<TrashPage> {
    const params = new URLSearchParams({ limit: String(page.limit) });
    if (page.cursor) params.set('cursor', page.cursor);
    return this.client.json<TrashPage>(node, 'GET', `${base(userId)}/trash?${params}`);
  }

  restore(node: string, userId: string, itemId: string): Promise<ItemAnswer> {
    return this.client.json<ItemAnswer>(node, 'POST', `${base(userId)}/trash/${enc(itemId)}/restore`);
  }

  purge(node: string, userId: string, itemId: string): Promise<{ purged: number; files: number }> {
    return this.client.json<{ purged: number; files: number }>(node, 'DELETE', `${base(userId)}/trash/${enc(itemId)}`);
  }

  emptyTrash(node: string, userId: string): Promise<{ purged: number }> {
    return this.client.json<{ purged: number }>(node, 'DELETE', `${base(userId)}/trash`);
  }

  versions(node: string, userId: string, itemId: string): Promise<{ versions: VersionView[] }> {
    return this.client.json<{ versions: VersionView[] }>(node, 'GET', `${base(userId)}/items/${enc(itemId)}/versions`);
  }

  restoreVersion(node: string, userId: string, itemId: string, versionId: string): Promise<ItemAnswer> {
    return this.client.json<ItemAnswer>(node, 'POST', `${base(userId)}/items/${enc(itemId)}/versions/${enc(versionId)}/restore`);
  }

  deleteVersion(node: string, userId: string, itemId: string, versionId: string): Promise<void> {
    return this.client.json<void>(node, 'DELETE', `${base(userId)}/items/${enc(itemId)}/versions/${enc(versionId)}`);
  }

  /** One page of a folder's whole subtree, parents before their children (zip downloads). */
  walk(node: string, userId: string, folderId: string, page: { cursor?: string; limit: number }): Promise<WalkPage> {
    const params = new URLSearchParams({ limit: String(page.limit) });
    if (page.cursor) params.set('cursor', page.cursor);
    return this.client.json<WalkPage>(node, 'GET', `${base(userId)}/folders/${enc(folderId)}/walk?${params}`);
  }
}

const base = (userId: string) => `/v1/tree/${enc(userId)}`;
const enc = encodeURIComponent;

function jsonBody(body: unknown) {
  return { headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) };
}
