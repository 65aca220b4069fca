import type { ItemView, PathStep } from '../../../node/src/api/tree';
import type { ClientShare, PublicItem, ShareState } from '../api/shares';
import type { ShareRecord } from './shareStore';

/** The link as its owner sees it; `item` is the item now (undefined when it is gone). */
export function toClientShare(share: ShareRecord, origin: string, state: ShareState, item: ItemView | undefined): ClientShare {
  return {
    id: share.id,
    url: `${origin}/s/${share.token}`,
    itemId: share.itemId,
    itemName: item?.name ?? share.itemName,
    kind: share.kind,
    itemParentId: item?.parentId ?? null,
    expiresAt: share.expiresAt,
    maxDownloads: share.maxDownloads,
    downloads: share.downloads,
    hasPassword: share.passwordHash !== null,
    uploadOnly: share.uploadOnly,
    createdAt: share.createdAt,
    state,
  };
}

/**
 * An item as a visitor sees it. Fields are copied one by one, so that nothing the node adds
 * (replicas, hashes, the path above the share) reaches a stranger. The shared item itself has
 * no parent: what holds it is the owner's business.
 */
export function toPublicItem(view: ItemView, sharedId: string): PublicItem {
  const item: PublicItem = {
    id: view.id,
    kind: view.kind,
    name: view.name,
    parentId: view.id === sharedId ? null : view.parentId,
    size: view.size,
    modifiedAt: view.modifiedAt,
  };
  if (view.kind === 'file' && view.mime !== undefined) item.mime = view.mime;
  return item;
}

/** The folders from the shared one down to (not including) the item: a path with nothing above the share. */
export function pathWithinShare(path: readonly PathStep[] | undefined, sharedId: string): PathStep[] {
  const steps = path ?? [];
  const top = steps.findIndex((step) => step.id === sharedId);
  return top < 0 ? [] : steps.slice(top).map((step) => ({ id: step.id, name: step.name }));
}
