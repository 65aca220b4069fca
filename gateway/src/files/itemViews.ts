import type { UsageView } from '../../../node/src/api/files';
import type { ItemView, PathStep, TrashItemView } from '../../../node/src/api/tree';
import type { ClientFile, ClientItem, TrashItem, Usage } from '../api/files';

/**
 * A node's item as the gateway shows it (DESIGN §8). Fields are copied one by one, so that
 * whatever else a node may add to its view never reaches a client unreviewed.
 */
export function toClientItem(view: ItemView): ClientItem {
  const item: ClientItem = {
    id: view.id,
    kind: view.kind,
    name: view.name,
    parentId: view.parentId,
    size: view.size,
    createdAt: view.createdAt,
    modifiedAt: view.modifiedAt,
  };
  if (view.kind === 'file') {
    if (view.sha256 !== undefined) item.sha256 = view.sha256;
    if (view.mime !== undefined) item.mime = view.mime;
    if (view.replicas !== undefined) item.replicas = view.replicas;
    if (view.versionCount !== undefined) item.versionCount = view.versionCount;
  }
  if (view.path !== undefined) item.path = view.path.map(toPathStep);
  return item;
}

/** A file item in the seed's file shape: what old clients read from `files`. */
export function toClientFileOfItem(view: ItemView): ClientFile {
  return {
    id: view.id,
    name: view.name,
    size: view.size,
    sha256: view.sha256 ?? '',
    mime: view.mime ?? 'application/octet-stream',
    createdAt: view.createdAt,
    parentId: view.parentId,
    replicas: view.replicas ?? {},
  };
}

export function toPathStep(step: PathStep): PathStep {
  return { id: step.id, name: step.name };
}

/** A trashed item: the item, and when and where from it was deleted. */
export function toTrashItem(view: TrashItemView): TrashItem {
  return { ...toClientItem(view), deletedAt: view.deletedAt, originalPath: view.originalPath, originalParentId: view.originalParentId };
}

/** The quota as the API shows it, with its split when the node gave one. */
export function toClientUsage(usage: UsageView): Usage {
  const { breakdown } = usage;
  return { used: usage.used, limit: usage.limit, ...(breakdown ? { breakdown: { files: breakdown.files, versions: breakdown.versions, trash: breakdown.trash } } : {}) };
}
