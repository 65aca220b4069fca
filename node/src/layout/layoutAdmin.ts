import type { Logger } from 'pino';
import type { NodeId } from '../gossip/frames';
import type { ApplyLayoutRequest, ClusterLayout } from '../api/layout';
import { AppError } from '../http/errors';
import { KeyedMutex } from '../runtime/keyedMutex';
import { applyLayoutChanges, layoutNode } from './clusterLayout';
import type { LayoutService } from './layoutService';

export interface LayoutAdminDeps {
  self: NodeId;
  layout: LayoutService;
  replicas: number;
  /** Whether SWIM holds the node alive (or suspect) right now. */
  isAlive(id: NodeId): boolean;
  /** Stored replicas the node holds, from its own counters (this node's or a peer's status). */
  storedReplicas(id: NodeId): Promise<number>;
  logger: Logger;
}

/**
 * POST /v1/layout: the admin's change, checked against the rules (clusterLayout.ts) and the
 * live cluster, then written as the next version. Applies run one at a time on a node, so two
 * admins asking for the same version here cannot both get it.
 */
export class LayoutAdmin {
  private readonly turn = new KeyedMutex();

  constructor(private readonly deps: LayoutAdminDeps) {}

  apply(request: ApplyLayoutRequest, caller: string): Promise<ClusterLayout> {
    return this.turn.run('layout', () => this.applyNow(request, caller));
  }

  private async applyNow(request: ApplyLayoutRequest, caller: string): Promise<ClusterLayout> {
    const { deps } = this;
    const current = deps.layout.current();
    const verdict = applyLayoutChanges(current, request.version, request.changes, deps.replicas);
    if (!verdict.ok) throw new AppError(verdict.code, verdict.message);
    for (const change of request.changes) {
      if (change.op === 'decommission') {
        if (change.id === deps.self) throw new AppError('invalid_request', `Node ${change.id} is answering this request: drain and remove it instead.`);
        if (deps.isAlive(change.id)) throw new AppError('conflict', `Node ${change.id} is alive: drain and remove it instead of decommissioning it.`);
      }
      if (change.op === 'remove') await this.checkDrained(change.id, current);
    }
    await deps.layout.write(verdict.layout);
    deps.logger.info({ caller, version: verdict.layout.version, changes: request.changes }, 'cluster layout applied');
    return verdict.layout;
  }

  /** A node leaves only once it holds no copy: every one of them is stored on its new holders. */
  private async checkDrained(id: NodeId, current: ClusterLayout): Promise<void> {
    if (layoutNode(current, id)?.state !== 'draining') return;
    if (id !== this.deps.self && !this.deps.isAlive(id)) {
      throw new AppError('conflict', `Node ${id} cannot be reached to check that it holds no copy: decommission it if it is gone for good.`);
    }
    let stored: number;
    try {
      stored = await this.deps.storedReplicas(id);
    } catch (error) {
      throw new AppError('conflict', `Node ${id} did not say what it still holds (${(error as Error).message}); try again.`);
    }
    if (stored > 0) throw new AppError('conflict', `Node ${id} still holds ${stored} cop${stored === 1 ? 'y' : 'ies'} being moved to the other nodes; remove it once it holds none.`);
  }
}
