import type { Logger } from 'pino';
import type { NodeId } from '../gossip/frames';
import type { FileCatalog } from '../files/fileCatalog';
import type { TreeService } from '../files/treeService';
import type { BlobStore } from '../storage/blobStore';
import type { UploadsInProgress } from './orphanCheck';
import type { QuotaAuthority } from './quotaAuthority';
import type { QuotaClient } from './quotaClient';
import type { QuotaLedger } from '../storage/quotaLedger';
import type { PeerClient } from './peerClient';
import type { FileEntry } from '../api/files';
import type { IndexHealth } from '../index/indexCommitter';
import { placeReplicas } from './placement';
import type { LayoutView } from '../layout/layoutService';

export interface StorageSettings {
  /** Copies of every file (3: one per region today). */
  replicas: number;
  /** Durable, hash-matching replicas before an upload is acknowledged. */
  writeQuorum: number;
  /** Logical bytes per user (one copy counted). */
  quotaBytes: number;
  /** How often the full repair sweep compares the whole index with the disk (changed files are looked at at once). */
  repairIntervalMs: number;
  /** Files the full sweep looks at per second at most: a million files are a background trickle, not a storm. */
  repairSweepFilesPerSecond: number;
  /** A blob or replica record with no file entry is removed only after this long (uploads in flight). */
  orphanGraceMs: number;
  /** Pause between two scrub passes over every stored replica. */
  scrubIntervalMs: number;
  /** Read rate of the scrubber, so that it never competes with users for the disk. */
  scrubBytesPerSecond: number;
  /** Files up to this size are kept inline in the index (0: never). */
  inlineMaxBytes: number;
  /** How long an inline upload waits for peers to confirm their copies before it fails. */
  copyTimeoutMs: number;
  /** An upload's copy whose node takes no bytes for this long is dropped while W others go on. */
  copyStallMs: number;
  /** Repair pulls running at once (a wiped node pulls many files; one at a time took hours). */
  repairConcurrency: number;
  /** Bytes per second all repair pulls together may take from the network and the disk. */
  repairBytesPerSecond: number;
  /** Files the scrubber re-hashes per second at most (its bytes are bounded by scrubBytesPerSecond). */
  scrubFilesPerSecond: number;
  /** How often the tree's op log is compacted up to what every member has seen. */
  treeCompactIntervalMs: number;
  /** Items older than this in the trash are purged (GEOVAULT_TRASH_DAYS, DESIGN §5). */
  trashRetentionMs: number;
  /** How often the trash purge and version thinning look for work. */
  housekeepingIntervalMs: number;
  /** A resumable upload not completed this long after its creation is removed (GEOVAULT_UPLOAD_EXPIRY_MS). */
  uploadExpiryMs: number;
  /**
   * How long a holder keeps a resumable upload locked to the coordinator writing it once that
   * coordinator goes silent (it pings while it writes): a resumed upload through another node
   * is not locked out for longer than this.
   */
  uploadLeaseMs: number;
  /** Own replica records the rebalance walk looks at per second at most. */
  rebalanceFilesPerSecond: number;
  /** A rebalance walk also runs this often with no layout change. */
  rebalanceRevisitMs: number;
}

export function defaultStorageSettings(): StorageSettings {
  return {
    replicas: 3,
    writeQuorum: 2,
    quotaBytes: 5 * 1024 ** 3,
    repairIntervalMs: 30_000,
    repairSweepFilesPerSecond: 200,
    orphanGraceMs: 10 * 60_000,
    scrubIntervalMs: 60 * 60_000,
    scrubBytesPerSecond: 32 * 1024 * 1024,
    inlineMaxBytes: 16 * 1024,
    copyTimeoutMs: 10_000,
    copyStallMs: 10_000,
    repairConcurrency: 12,
    repairBytesPerSecond: 200 * 1024 * 1024,
    scrubFilesPerSecond: 50,
    treeCompactIntervalMs: 30_000,
    trashRetentionMs: 30 * 24 * 3600_000,
    housekeepingIntervalMs: 10 * 60_000,
    uploadExpiryMs: 24 * 3600_000,
    uploadLeaseMs: 10_000,
    rebalanceFilesPerSecond: 1_000,
    rebalanceRevisitMs: 60 * 60_000,
  };
}

/** What replication code needs to know about the mesh right now. */
export interface MeshView {
  /** Nodes believed alive, this one included. */
  liveNodes(): NodeId[];
  /**
   * Nodes alive or only suspected, this one included: a suspect is more often a slow node
   * (a busy machine, one just restarted) than a dead one, and is refuted within seconds.
   */
  aliveOrSuspectNodes(): NodeId[];
  /** Smoothed round trip to a peer, or null when unmeasured. */
  rttMs(peer: NodeId): number | null;
}

export interface ReplicationActivity {
  from: NodeId;
  to: NodeId;
  action: 'upload' | 'repair' | 'remove';
  fileId: string;
  bytes: number;
}

export interface ReplicationContext {
  self: NodeId;
  /**
   * The layout's members (active and draining), dead or alive, and this node: who may hold
   * copies and call peer endpoints. It follows the layout, so it is read, never kept.
   */
  readonly allNodes: readonly NodeId[];
  /** The cluster layout (DESIGN §12): placement chooses among its active nodes. */
  layout: LayoutView;
  catalog: FileCatalog;
  /** The user's tree of folders: where files go, and their names (files/treeService.ts). */
  tree: TreeService;
  blobs: BlobStore;
  peers: PeerClient;
  /** Limits, and this node's own view of usage (the status page). */
  ledger: QuotaLedger;
  /** The user's quota owner decides reservations (quotaAuthority.ts); `client` asks it. */
  quota: { authority: QuotaAuthority; client: QuotaClient };
  /** Blob uploads this node is coordinating now (orphanCheck.ts). */
  uploads: UploadsInProgress;
  mesh: MeshView;
  settings: StorageSettings;
  logger: Logger;
  /** Told of every replica moved or removed, for the live view. */
  activity: (activity: ReplicationActivity) => void;
  /** Whether the index takes writes now (it refuses them while the disk is full). */
  indexHealth: () => IndexHealth;
}

/** The nodes that should hold a file under the current layout, whatever their state now. */
export function expectedHolders(ctx: ReplicationContext, fileId: string): NodeId[] {
  return placeReplicas(fileId, ctx.layout.placementNodes(), ctx.settings.replicas);
}

/** Where a new file goes: the layout's active nodes that are live (a draining node takes none). */
export function uploadTargets(ctx: ReplicationContext, fileId: string): NodeId[] {
  const live = new Set(ctx.mesh.liveNodes());
  return placeReplicas(fileId, ctx.layout.placementNodes().filter((node) => live.has(node)), ctx.settings.replicas);
}

/**
 * Where a resumable upload's partial goes: as a new file's bytes, but when fewer than
 * `replicas` nodes are alive, nodes only suspected fill the places left. Nothing repairs a
 * partial, so a holder left out at creation stays out: an upload begun while one of three
 * nodes was suspected for a moment had two holders, and when one of them died the upload
 * stopped until it was back, with two nodes up. A suspect that is in fact dead fails its
 * creation, which W others do without.
 */
export function partialTargets(ctx: ReplicationContext, uploadId: string): NodeId[] {
  const alive = uploadTargets(ctx, uploadId);
  if (alive.length >= ctx.settings.replicas) return alive;
  const suspects = new Set(ctx.mesh.aliveOrSuspectNodes().filter((node) => !alive.includes(node)));
  const placeable = ctx.layout.placementNodes().filter((node) => suspects.has(node));
  return [...alive, ...placeReplicas(uploadId, placeable, ctx.settings.replicas - alive.length)];
}

/** Where a file's bytes are: every node for an inline file (they are in the index), else its placement. */
export function holdersOf(ctx: ReplicationContext, entry: FileEntry): readonly NodeId[] {
  return entry.inline ? ctx.allNodes : expectedHolders(ctx, entry.fileId);
}

/** Peers holding a stored copy, nearest first (unmeasured links last). */
export function storedSourcesByDistance(ctx: ReplicationContext, userId: string, fileId: string): NodeId[] {
  const live = new Set(ctx.mesh.liveNodes());
  return ctx.allNodes
    .filter((node) => node !== ctx.self && live.has(node))
    .filter((node) => ctx.catalog.replicaRecord(node, userId, fileId)?.state === 'stored')
    .sort((a, b) => (ctx.mesh.rttMs(a) ?? Infinity) - (ctx.mesh.rttMs(b) ?? Infinity));
}
