import { randomUUID } from 'node:crypto';
import type { ItemView } from '../../../node/src/api/tree';
import { AppError } from '../errors';
import type { NodeRouting } from '../files/nodeRouting';
import type { TreeClient } from '../files/treeClient';
import type { AccountsStore } from '../store/accountsStore';
import { DownloadLimits } from './downloadLimits';
import { SHARE_TOKEN_PATTERN } from './shareTokens';
import type { ShareRecord, ShareStore } from './shareStore';

/** A link that works right now: its record, its owner's home region and the shared item as the nodes see it. */
export interface LiveShare {
  share: ShareRecord;
  ownerId: string;
  region: string;
  item: ItemView;
}

/**
 * The one answer for every link that does not work: unknown, expired, revoked, used up, its
 * item deleted or in the trash, or an id outside the shared subtree. Same code, same message,
 * so that nobody can tell which one it was.
 */
export const linkNotFound = () => new AppError('not_found', 'This link does not exist or no longer works.');

export interface ShareAccessDeps {
  shares: ShareStore;
  accounts: Pick<AccountsStore, 'userById'>;
  routing: NodeRouting;
  tree: TreeClient;
  /** A region to send decoy lookups to (any node id). */
  anyRegion: string;
  now: () => number;
}

/**
 * Resolves public tokens and item ids to what a link may reach. A link only ever reaches its
 * item's subtree: an item is inside when the nodes' path of it (root first) passes through the
 * shared folder, as the owner's tree is now (a moved-out item is out, a trashed one is 404).
 */
export class ShareAccess {
  constructor(private readonly deps: ShareAccessDeps) {}

  /** Whether the record itself still works (not expired, not used up); the item is checked on the nodes. */
  isUsable(share: ShareRecord): boolean {
    if (share.expiresAt !== null && Date.parse(share.expiresAt) <= this.deps.now()) return false;
    return !DownloadLimits.usedUp(share);
  }

  /**
   * The link behind a token, its item looked up on the nodes; linkNotFound otherwise. A link
   * that does not work makes the same node lookup (for ids nobody has) before it answers, so
   * that an expired or revoked link takes as long as one whose item was deleted.
   */
  async open(token: string): Promise<LiveShare> {
    const share = SHARE_TOKEN_PATTERN.test(token) ? this.deps.shares.byToken(token) : undefined;
    const owner = share ? this.deps.accounts.userById(share.ownerId) : undefined;
    if (!share || !owner || !this.isUsable(share)) {
      await this.lookup(this.deps.anyRegion, randomUUID(), randomUUID());
      throw linkNotFound();
    }
    const item = await this.lookup(owner.region, owner.id, share.itemId);
    if (!item || item.kind !== share.kind) throw linkNotFound();
    return { share, ownerId: owner.id, region: owner.region, item };
  }

  /** An item of the link (its own item, or one anywhere under a shared folder); linkNotFound otherwise. */
  async within(live: LiveShare, itemId: string | undefined): Promise<ItemView> {
    if (itemId === undefined || itemId === live.share.itemId) return live.item;
    if (live.share.kind !== 'folder') throw linkNotFound();
    const item = await this.lookup(live.region, live.ownerId, itemId);
    if (!item || !(item.path ?? []).some((step) => step.id === live.share.itemId)) throw linkNotFound();
    return item;
  }

  /** The owner's item (with its path), or undefined when no node has it in the live tree. */
  async lookup(region: string, userId: string, itemId: string): Promise<ItemView | undefined> {
    try {
      // The owner's nearest node decides: after a delete there, a lagging one would still show it.
      const { item } = await this.deps.routing.onNearestNode(region, (node) => this.deps.tree.item(node, userId, itemId));
      return item;
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') return undefined;
      throw error;
    }
  }
}
