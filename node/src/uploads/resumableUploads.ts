import type Database from 'better-sqlite3';
import type { z } from 'zod';
import type { createUploadSchema, UploadView } from '../api/uploads';
import { AppError } from '../http/errors';
import type { ReplicationContext } from '../replication/replicationContext';
import type { MasterKeyring } from '../storage/encryption/masterKeys';
import { systemClock } from '../time/clock';
import { expiryIntervalMs, UploadExpiry } from './expiry';
import { PartialHolders } from './partialHolders';
import { loadState, removeEverywhere, type ResumableDeps } from './resumableDeps';
import { ResumableRecords } from './resumableRecords';
import { ResumableStore } from './resumableStore';
import { CommittedStates } from './committedStates';
import { RunningHashes } from './runningHashes';
import { StandbyAppends } from './standbyAppends';
import { completeUpload } from './uploadComplete';
import { createUpload } from './uploadCreate';
import { patchUpload, type PatchRequest } from './uploadPatch';
import { uploadView } from './uploadState';

/** Uploads whose next PATCH's appends a coordinator keeps open at most (a socket per peer each). */
const MAX_STANDBY_UPLOADS = 8;

/**
 * Resumable uploads on a node (DESIGN §6, issue 14): this node as a holder of partials
 * (`store`), as the coordinator of any call the gateway sends it, and the expiry of what its
 * own disk holds. The bytes of an upload in progress live on its placement's nodes, encrypted
 * as the blob they become, never in the gateway.
 */
export class ResumableUploads {
  readonly store: ResumableStore;
  readonly expiry: UploadExpiry;
  private readonly deps: ResumableDeps | undefined;

  constructor(ctx: ReplicationContext, opts: { nodeDir: string; db: Database.Database; sync: () => Promise<void>; keyring: MasterKeyring | undefined }) {
    const logger = ctx.logger.child({ component: 'resumable' });
    this.store = new ResumableStore({
      nodeDir: opts.nodeDir,
      records: new ResumableRecords(opts.db, opts.sync),
      leaseMs: ctx.settings.uploadLeaseMs,
      now: () => Date.now(),
      isCommitted: (userId, fileId) => ctx.catalog.entry(userId, fileId) !== undefined,
      logger,
    });
    ctx.uploads.watchHeld((userId, fileId) => this.store.holdsUnfinished(userId, fileId));
    const holders = new PartialHolders(ctx.self, this.store, ctx.peers);
    // Half a holder's lease: a state older than that is read again from the holders.
    const freshMs = ctx.settings.uploadLeaseMs / 2;
    // Partials are always encrypted: without a master key there are no resumable uploads.
    this.deps = opts.keyring
      ? {
          ctx: { ...ctx, logger },
          store: this.store,
          holders,
          hashes: new RunningHashes(),
          committed: new CommittedStates(systemClock, freshMs),
          standby: new StandbyAppends({
            open: (node, userId, uploadId, stream, signal) => holders.append(node, userId, uploadId, stream, signal, { standby: true }),
            clock: systemClock,
            freshMs,
            pingMs: Math.max(100, ctx.settings.uploadLeaseMs / 3),
            max: MAX_STANDBY_UPLOADS,
            logger,
          }),
          keyring: opts.keyring,
          busy: new Set(),
        }
      : undefined;
    this.expiry = new UploadExpiry({
      expired: (now, limit, after) => this.store.expired(now, limit, after),
      isBeingWritten: (uploadId) => this.store.isBeingWritten(uploadId),
      remove: (userId, uploadId) => this.store.remove(userId, uploadId),
      release: (userId, uploadId) => ctx.quota.client.releaseEverywhere(userId, uploadId),
      clock: () => Date.now(),
      intervalMs: expiryIntervalMs(ctx.settings.uploadExpiryMs),
      logger,
    });
  }

  create(userId: string, request: z.output<typeof createUploadSchema>): Promise<UploadView> {
    return createUpload(this.need(), userId, request);
  }

  async view(userId: string, uploadId: string): Promise<UploadView> {
    const state = await loadState(this.need(), userId, uploadId);
    if (!state || (state.phase !== 'completed' && state.record.expiresAt <= Date.now())) throw new AppError('not_found', `No upload ${uploadId}.`);
    return uploadView(state);
  }

  patch(request: PatchRequest): Promise<UploadView> {
    return patchUpload(this.need(), request);
  }

  async complete(userId: string, uploadId: string): Promise<UploadView> {
    const deps = this.need();
    if (deps.busy.has(uploadId)) throw new AppError('upload_busy', `Upload ${uploadId} is being written through this node now.`);
    deps.busy.add(uploadId);
    try {
      const state = await loadState(deps, userId, uploadId);
      if (!state || (state.phase !== 'completed' && state.record.expiresAt <= Date.now())) throw new AppError('not_found', `No upload ${uploadId}.`);
      return await completeUpload(deps, state);
    } finally {
      deps.busy.delete(uploadId);
    }
  }

  /** tus termination: removed on every holder at once, its reservation released. */
  async terminate(userId: string, uploadId: string): Promise<void> {
    const deps = this.need();
    const state = await loadState(deps, userId, uploadId);
    if (!state) throw new AppError('not_found', `No upload ${uploadId}.`);
    await removeEverywhere(deps, state);
    deps.ctx.logger.info({ userId, uploadId, offset: state.offset, length: state.record.length }, 'resumable upload terminated');
  }

  start(): void {
    this.expiry.start();
  }

  stop(): Promise<void> {
    return this.expiry.stop();
  }

  private need(): ResumableDeps {
    if (!this.deps) throw new AppError('internal', 'This node has no master key, and partial uploads are only ever kept encrypted.');
    return this.deps;
  }
}
