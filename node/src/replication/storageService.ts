import type { Logger } from 'pino';
import type express from 'express';
import type { NodeId } from '../gossip/frames';
import type { Fact } from '../gossip/frames';
import type { ReplicatedIndex } from '../index/replicatedIndex';
import { InlineCodec } from '../storage/encryption/inlineSeal';
import { FileCatalog, type IndexWriter } from '../files/fileCatalog';
import { nodeReplicasPrefix, parseKey, replicaKey } from '../files/fileKeys';
import path from 'node:path';
import type { CatalogQueries } from '../store/catalogQueries';
import type { TreeQueries } from '../store/treeQueries';
import type { TreeTables } from '../store/treeTables';
import { TreeService } from '../files/treeService';
import { TreeCompactor, type TreeCompactorDeps } from '../files/treeCompactor';
import { Housekeeping } from '../files/housekeeping';
import type { Counters } from '../store/counters';
import type { IndexHealth } from '../index/indexCommitter';
import { BlobStore, type BlobEncryption } from '../storage/blobStore';
import { QuotaLedger } from '../storage/quotaLedger';
import type { LinkSimulator } from '../transport/linkSimulator';
import { fileRoutes } from '../http/fileRoutes';
import { replicaRoutes } from '../http/replicaRoutes';
import { PeerClient, type PeerAddress } from './peerClient';
import { QuotaAuthority } from './quotaAuthority';
import { QuotaClient } from './quotaClient';
import { quotaRoutes } from '../http/quotaRoutes';
import { uploadRoutes } from '../http/uploadRoutes';
import { treeRoutes } from '../http/treeRoutes';
import { trashRoutes } from '../http/trashRoutes';
import { resumableRoutes } from '../http/resumableRoutes';
import { partialRoutes } from '../http/partialRoutes';
import { ResumableUploads } from '../uploads/resumableUploads';
import type Database from 'better-sqlite3';
import { UploadsInProgress } from './orphanCheck';
import { Repairer } from './repairer';
import { Scrubber } from './scrubber';
import { Rebalancer } from '../layout/rebalancer';
import { expectedHolders } from './replicationContext';
import { replicaRecordSchema } from '../api/files';
import type { HoldingsAnswer } from '../api/layout';
import type { MeshView, ReplicationActivity, ReplicationContext, StorageSettings } from './replicationContext';
import type { LayoutView } from '../layout/layoutService';

export interface StorageServiceDeps {
  self: NodeId;
  nodeDir: string;
  secret: string;
  /** Where each peer listens; the map follows joins and layouts (layout/addressBook.ts). */
  peers: ReadonlyMap<NodeId, PeerAddress>;
  /** The cluster layout: placement, and who the members are. */
  layout: LayoutView;
  links: LinkSimulator;
  index: ReplicatedIndex;
  writer: IndexWriter;
  /** Reads of the store's derived tables, and its counters. */
  queries: CatalogQueries;
  treeQueries: TreeQueries;
  /** The tree's tables, for its reads outside transactions (walking up from an item). */
  treeTables: TreeTables;
  /** Transactions and fact stamps for the tree's compaction. */
  treeStore: TreeCompactorDeps['store'];
  counters: Counters;
  /** The store's database, for the records of resumable uploads held here (uploads/resumableRecords.ts). */
  resumableDb: { db: Database.Database; sync(): Promise<void> };
  mesh: MeshView;
  settings: StorageSettings;
  /** Blobs are encrypted at rest with these keys (storage/encryption); absent in tests of plaintext stores. */
  encryption?: BlobEncryption;
  logger: Logger;
  activity: (activity: ReplicationActivity) => void;
  indexHealth: () => IndexHealth;
  /** Asks a new holder what it holds before a moved copy is dropped (layout/layoutClient.ts). */
  holdings: (peer: NodeId, files: Array<{ userId: string; fileId: string }>) => Promise<HoldingsAnswer>;
  /** _system: where the rebalance cursor is saved. */
  systemDir: string;
}

/** Everything a node needs to store, replicate, repair and scrub files, built in one place. */
export class StorageService {
  readonly ctx: ReplicationContext;
  readonly repairer: Repairer;
  readonly scrubber: Scrubber;
  readonly treeCompactor: TreeCompactor;
  readonly housekeeping: Housekeeping;
  readonly resumable: ResumableUploads;
  /** Moves this node's share of the data when the layout changes (layout/rebalancer.ts). */
  readonly rebalancer: Rebalancer;
  readonly routers: express.Router[];
  private readonly counters: Counters;

  constructor(deps: StorageServiceDeps) {
    this.counters = deps.counters;
    const blobs = new BlobStore(deps.nodeDir, { logger: deps.logger.child({ component: 'blobs' }), encryption: deps.encryption });
    const inline = new InlineCodec(deps.encryption?.keyring, blobs.encrypts);
    const catalog = new FileCatalog(deps.self, deps.index, deps.writer, deps.queries, deps.logger.child({ component: 'catalog' }), inline);
    const peers = new PeerClient({ self: deps.self, secret: deps.secret, peers: deps.peers, links: deps.links, keyring: deps.encryption?.keyring, logger: deps.logger });
    const ledger = new QuotaLedger({ limitBytes: deps.settings.quotaBytes, usedBytes: (userId) => catalog.usage(userId).bytes });
    const authority = new QuotaAuthority(ledger, (userId, fileId) => catalog.isKnown(userId, fileId));
    const ctx: Omit<ReplicationContext, 'tree'> & { tree?: TreeService } = {
      self: deps.self,
      get allNodes() {
        return deps.layout.members();
      },
      layout: deps.layout,
      catalog,
      blobs,
      peers,
      ledger,
      quota: {
        authority,
        client: new QuotaClient({ self: deps.self, authority, peers, liveNodes: () => deps.mesh.liveNodes(), logger: deps.logger.child({ component: 'quota' }) }),
      },
      uploads: new UploadsInProgress(),
      mesh: deps.mesh,
      settings: deps.settings,
      logger: deps.logger.child({ component: 'replication' }),
      activity: deps.activity,
      indexHealth: deps.indexHealth,
    };
    ctx.tree = new TreeService(ctx as ReplicationContext, deps.treeQueries, deps.treeTables);
    this.ctx = ctx as ReplicationContext;
    this.repairer = new Repairer(this.ctx);
    this.scrubber = new Scrubber(this.ctx, this.repairer);
    this.treeCompactor = new TreeCompactor({
      self: deps.self,
      members: () => this.ctx.allNodes,
      ownDigest: () => deps.index.digest(),
      peerDigest: (peer) => deps.writer.peerDigest(peer),
      store: deps.treeStore,
      tables: deps.treeTables,
      writer: catalog,
      intervalMs: deps.settings.treeCompactIntervalMs,
      logger: deps.logger.child({ component: 'tree-compactor' }),
    });
    this.housekeeping = new Housekeeping({
      self: deps.self,
      liveNodes: () => deps.mesh.liveNodes(),
      queries: deps.treeQueries,
      tree: this.ctx.tree,
      versionBytes: (userId) => catalog.usage(userId).versionBytes,
      retentionMs: deps.settings.trashRetentionMs,
      intervalMs: deps.settings.housekeepingIntervalMs,
      clock: () => Date.now(),
      logger: deps.logger.child({ component: 'housekeeping' }),
    });
    this.resumable = new ResumableUploads(this.ctx, {
      nodeDir: deps.nodeDir,
      db: deps.resumableDb.db,
      sync: () => deps.resumableDb.sync(),
      keyring: deps.encryption?.keyring,
    });
    this.rebalancer = this.newRebalancer(deps);
    this.routers = [
      resumableRoutes(this.resumable),
      partialRoutes(this.ctx, this.resumable.store),
      fileRoutes(this.ctx, this.repairer),
      replicaRoutes(this.ctx, this.repairer),
      quotaRoutes(this.ctx),
      uploadRoutes(this.ctx),
      treeRoutes(this.ctx),
      trashRoutes(this.ctx),
    ];
  }

  private newRebalancer(deps: StorageServiceDeps): Rebalancer {
    const { ctx } = this;
    return new Rebalancer({
      self: deps.self,
      replicas: deps.settings.replicas,
      layoutVersion: () => deps.layout.version,
      ownCopies: (after, limit) =>
        deps.index.entries(nodeReplicasPrefix(deps.self), { after, limit }).flatMap(([key]) => {
          const parsed = parseKey(key);
          return parsed.kind === 'replica' ? [{ key, userId: parsed.userId, fileId: parsed.fileId }] : [];
        }),
      blobFile: (userId, fileId) => {
        const entry = ctx.catalog.entry(userId, fileId);
        return entry && !entry.inline ? entry : undefined;
      },
      holders: (fileId) => expectedHolders(ctx, fileId),
      storedOn: (node, userId, fileId, sha256) => {
        const record = replicaRecordSchema.safeParse(deps.index.get(replicaKey(node, userId, fileId)));
        return record.success && record.data.state === 'stored' && (record.data.sha256 === undefined || record.data.sha256 === sha256);
      },
      holdings: deps.holdings,
      drop: async (userId, fileId) => {
        // The blob first: a crash in between leaves a record the next walk finds again.
        const removed = await ctx.blobs.remove(userId, fileId);
        await ctx.catalog.clearOwnReplica(userId, fileId);
        if (removed) ctx.activity({ from: deps.self, to: deps.self, action: 'remove', fileId, bytes: 0 });
      },
      pulled: () => this.repairer.stats.pulled,
      backlog: () => this.repairer.backlog,
      stateFile: path.join(deps.systemDir, 'rebalance.json'),
      filesPerSecond: deps.settings.rebalanceFilesPerSecond,
      retryMinMs: 1_000,
      retryMaxMs: 30_000,
      revisitMs: deps.settings.rebalanceRevisitMs,
      logger: deps.logger.child({ component: 'rebalancer' }),
    });
  }

  /** The layout changed: new holders look for what they now lack, old ones walk their copies. */
  layoutChanged(): void {
    void this.repairer.sweep();
    this.rebalancer.layoutChanged();
  }

  /** Removes temp files of interrupted writes; must run before the node accepts uploads. */
  async init(): Promise<void> {
    await this.ctx.blobs.init();
  }

  start(): void {
    this.repairer.start();
    this.rebalancer.start().catch((error: unknown) => this.ctx.logger.error({ err: error }, 'rebalancer did not start'));
    this.scrubber.start();
    this.treeCompactor.start();
    this.housekeeping.start();
    this.resumable.start();
  }

  async stop(): Promise<void> {
    await this.resumable.stop();
    await this.rebalancer.stop();
    await this.housekeeping.stop();
    await this.treeCompactor.stop();
    await this.scrubber.stop();
    await this.repairer.stop();
    this.ctx.peers.close();
  }

  /** Keeps the disk in step with facts learnt from peers (and our own). */
  onIndexChange(facts: readonly Fact[]): void {
    for (const fact of facts) {
      const key = parseKey(fact.key);
      if (key.kind === 'file' || key.kind === 'replica') this.repairer.nudge(key.userId, key.fileId, key.kind === 'file' && fact.value === null);
      if (key.kind === 'replica' && key.node !== this.ctx.self && this.holdsDisplaced(key.userId, key.fileId)) this.rebalancer.nudge();
    }
  }

  /** Whether this node has a copy of the file that the layout places elsewhere. */
  private holdsDisplaced(userId: string, fileId: string): boolean {
    return this.ctx.catalog.replicaRecord(this.ctx.self, userId, fileId) !== undefined && !expectedHolders(this.ctx, fileId).includes(this.ctx.self);
  }

  /** Replica counts and logical bytes held here, for the status page: counters, never a scan. */
  summary(): { bytesStored: number; replicas: { stored: number; pending: number; corrupt: number } } {
    const stored = this.counters.get('replicas.stored');
    const corrupt = this.counters.get('replicas.corrupt');
    // Files this node should hold but has no good replica of yet are pending here.
    const pending = Math.max(this.counters.get('replicas.pending'), this.counters.get('replicas.expected') - stored - corrupt);
    return { bytesStored: this.counters.get('replicas.storedBytes'), replicas: { stored, pending, corrupt } };
  }
}
