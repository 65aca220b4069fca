/** The file manager's URLs for previews and thumbnails (DESIGN §8; issue 13). */
import type { ClientItem } from '../../api/files';

const enc = encodeURIComponent;

/** The file served for showing in the page (the gateway decides which types it allows). */
export const inlineUrl = (fileId: string) => `/api/files/download/${enc(fileId)}?inline=1`;

/** Types the gateway makes thumbnails of (gateway/src/previews/renderThumbnail.ts). */
const THUMBNAIL_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff']);

export function hasThumbnail(item: ClientItem): boolean {
  return item.kind === 'file' && THUMBNAIL_TYPES.has((item.mime ?? '').split(';')[0]!.trim().toLowerCase());
}

/**
 * The thumbnail of the item's current version. `v` names that version, so the browser keeps
 * the answer for good and asks again only when the listing shows a new hash.
 */
export function thumbnailUrl(item: ClientItem, size: 'small' | 'large' = 'small'): string {
  const query = new URLSearchParams({ size });
  if (item.sha256) query.set('v', item.sha256);
  return `/api/files/${enc(item.id)}/thumbnail?${query}`;
}
