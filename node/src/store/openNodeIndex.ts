import path from 'node:path';
import type { Logger } from 'pino';
import type { NodeId } from '../gossip/frames';
import { HybridClock } from '../index/hlc';
import { IndexCommitter } from '../index/indexCommitter';
import { ReplicatedIndex } from '../index/replicatedIndex';
import { placeReplicas } from '../replication/placement';
import { systemClock } from '../time/clock';
import { importLegacyIndex } from './legacyIndexImport';
import { SqliteIndexStore, STORE_FILE } from './sqliteIndexStore';

export interface NodeIndex {
  store: SqliteIndexStore;
  index: ReplicatedIndex;
  committer: IndexCommitter;
}

/**
 * A node's replicated index on its disk: the store in `dir` (the first release's index files
 * imported into it once), the index over it, and the group committer every change goes through.
 */
export async function openNodeIndex(opts: {
  dir: string;
  self: NodeId;
  /** The layout's active nodes, read at each change (the layout itself lives in this index). */
  placementNodes: () => readonly NodeId[];
  replicas: number;
  /** Each change the store makes to `replicas.expected` (the recount after a layout change keeps up with them). */
  onExpectedChange?: (userId: string, fileId: string, delta: number) => void;
  logger: Logger;
}): Promise<NodeIndex> {
  const { self, logger } = opts;
  const store = SqliteIndexStore.open({
    file: path.join(opts.dir, STORE_FILE),
    self,
    holdsReplica: (fileId) => placeReplicas(fileId, opts.placementNodes(), opts.replicas).includes(self),
    onExpectedChange: opts.onExpectedChange,
    logger,
  });
  try {
    await importLegacyIndex(opts.dir, store, { self, clock: systemClock, logger });
  } catch (error) {
    await store.close();
    throw error;
  }
  const index = new ReplicatedIndex(self, new HybridClock(self, systemClock), { store, durableWrites: true });
  const committer = new IndexCommitter(index, store, { clock: systemClock, logger });
  logger.info({ entries: index.size, tombstones: index.tombstoneCount, digest: index.digest() }, 'index opened');
  return { store, index, committer };
}
