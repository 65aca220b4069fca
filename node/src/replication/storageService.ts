import type { Logger } from 'pino';
import type express from 'express';
import type { NodeId } from '../gossip/frames';
import type { Fact } from '../gossip/frames';
import type { ReplicatedIndex } from '../index/replicatedIndex';
import { FileCatalog, type IndexWriter } from '../files/fileCatalog';
import { parseKey } from '../files/fileKeys';
import { fileEntrySchema } from '../api/files';
import { BlobStore } from '../storage/blobStore';
import { QuotaLedger } from '../storage/quotaLedger';
import type { LinkSimulator } from '../transport/linkSimulator';
import { fileRoutes } from '../http/fileRoutes';
import { replicaRoutes } from '../http/replicaRoutes';
import { PeerClient, type PeerAddress } from './peerClient';
import { Repairer } from './repairer';
import { Scrubber } from './scrubber';
import { expectedHolders, type MeshView, type ReplicationActivity, type ReplicationContext, type StorageSettings } from './replicationContext';

export interface StorageServiceDeps {
  self: NodeId;
  nodeDir: string;
  secret: string;
  peers: ReadonlyMap<NodeId, PeerAddress>;
  links: LinkSimulator;
  index: ReplicatedIndex;
  writer: IndexWriter;
  mesh: MeshView;
  settings: StorageSettings;
  logger: Logger;
  activity: (activity: ReplicationActivity) => void;
}

/** Everything a node needs to store, replicate, repair and scrub files, built in one place. */
export class StorageService {
  readonly ctx: ReplicationContext;
  readonly repairer: Repairer;
  readonly scrubber: Scrubber;
  readonly routers: express.Router[];

  constructor(deps: StorageServiceDeps) {
    const catalog = new FileCatalog(deps.self, deps.index, deps.writer, deps.logger.child({ component: 'catalog' }));
    this.ctx = {
      self: deps.self,
      allNodes: [deps.self, ...deps.peers.keys()].sort(),
      catalog,
      blobs: new BlobStore(deps.nodeDir, { logger: deps.logger.child({ component: 'blobs' }) }),
      peers: new PeerClient({ self: deps.self, secret: deps.secret, peers: deps.peers, links: deps.links, logger: deps.logger }),
      ledger: new QuotaLedger({ limitBytes: deps.settings.quotaBytes }),
      mesh: deps.mesh,
      settings: deps.settings,
      logger: deps.logger.child({ component: 'replication' }),
      activity: deps.activity,
    };
    this.repairer = new Repairer(this.ctx);
    this.scrubber = new Scrubber(this.ctx, this.repairer);
    this.routers = [fileRoutes(this.ctx, this.repairer), replicaRoutes(this.ctx, this.repairer)];
    for (const entry of catalog.allEntries()) this.ctx.ledger.setCommitted(entry.ownerId, entry.fileId, entry.size);
  }

  /** Removes temp files of interrupted writes; must run before the node accepts uploads. */
  async init(): Promise<void> {
    await this.ctx.blobs.init();
  }

  start(): void {
    this.repairer.start();
    this.scrubber.start();
  }

  async stop(): Promise<void> {
    await this.scrubber.stop();
    await this.repairer.stop();
    this.ctx.peers.close();
  }

  /** Keeps quota and disk in step with facts learnt from peers (and our own). */
  onIndexChange(facts: readonly Fact[]): void {
    for (const fact of facts) {
      const key = parseKey(fact.key);
      if (key.kind === 'other') continue;
      this.repairer.nudge(key.userId, key.fileId);
      if (key.kind !== 'file') continue;
      const entry = fact.value === null ? undefined : fileEntrySchema.safeParse(fact.value).data;
      if (entry && !entry.deleted) this.ctx.ledger.setCommitted(key.userId, key.fileId, entry.size);
      else this.ctx.ledger.forget(key.userId, key.fileId);
    }
  }

  /** Replica counts and logical bytes held here, for the status page. */
  summary(): { bytesStored: number; replicas: { stored: number; pending: number; corrupt: number } } {
    const replicas = { stored: 0, pending: 0, corrupt: 0 };
    let bytesStored = 0;
    for (const { userId, fileId, record } of this.ctx.catalog.ownReplicas()) {
      const entry = this.ctx.catalog.entry(userId, fileId);
      if (!entry) continue;
      replicas[record.state]++;
      if (record.state === 'stored') bytesStored += entry.size;
    }
    // Files this node should hold but has no record for yet are pending here.
    for (const entry of this.ctx.catalog.allEntries()) {
      if (!expectedHolders(this.ctx, entry.fileId).includes(this.ctx.self)) continue;
      if (!this.ctx.catalog.replicaRecord(this.ctx.self, entry.ownerId, entry.fileId)) replicas.pending++;
    }
    return { bytesStored, replicas };
  }
}
