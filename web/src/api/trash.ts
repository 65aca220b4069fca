/** The trash API (DESIGN §8). Wire types come from the gateway's contract, types only. */
import type { ItemResponse, TrashListResponse } from '../../../gateway/src/api/files';
import { request } from './http';

export type { TrashItem, TrashListResponse, UsageBreakdown } from '../../../gateway/src/api/files';

const id = (value: string) => encodeURIComponent(value);

/** One page of the trash, newest deletion first; `cursor` continues where the previous page ended. */
export function fetchTrash(page: { limit: number; cursor?: string }): Promise<TrashListResponse> {
  const query = new URLSearchParams({ limit: String(page.limit) });
  if (page.cursor) query.set('cursor', page.cursor);
  return request<TrashListResponse>('GET', `/api/trash?${query}`);
}

/** Puts an item back where it was (the root if that folder is gone; a clashing name gets a suffix). */
export const restoreFromTrash = (itemId: string) => request<ItemResponse>('POST', `/api/trash/${id(itemId)}/restore`);

/** Deletes one item of the trash for good. */
export const purgeFromTrash = (itemId: string) => request<void>('DELETE', `/api/trash/${id(itemId)}`);

/** Deletes everything in the trash for good. */
export const emptyTrash = () => request<{ purged: number }>('DELETE', '/api/trash');
