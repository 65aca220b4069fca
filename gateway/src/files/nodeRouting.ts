import type { NodeSpec } from '../../../node/src/config/clusterConfig';
import { AppError } from '../errors';
import type { MeshMonitor } from '../mesh/meshMonitor';
import { NodeCallError } from '../mesh/nodeClient';
import { fromNodeError } from './nodeErrors';
import { nodesByPreference } from './nodePreference';

/**
 * Which node a user's request goes to. Reads fail over along the user's preference order;
 * writes go to the first usable node, as uploads do, so that the next read (same order) sees
 * them at once.
 */
export class NodeRouting {
  constructor(
    /** The live mesh: which nodes answer and are not held dead by their peers. */
    private readonly mesh: Pick<MeshMonitor, 'isUsable'>,
    private readonly nodes: ReadonlyMap<string, NodeSpec>,
  ) {}

  /** Nodes to try for this user: home first, nearest next; usable ones before the rest. */
  order(region: string): string[] {
    const all = nodesByPreference(region, this.nodes);
    return [...all.filter((id) => this.mesh.isUsable(id)), ...all.filter((id) => !this.mesh.isUsable(id))];
  }

  /** The node a new upload goes to: the user's home, or the nearest usable one. */
  writeTarget(region: string): string {
    const target = this.order(region).find((id) => this.mesh.isUsable(id));
    if (!target) throw new AppError('unavailable', 'No storage node is reachable; try again shortly.');
    return target;
  }

  /**
   * Runs a read on the preferred nodes in turn until one answers: a 404 may just be a node
   * that lags, an unreachable or failing node is skipped. `notFound` is the message when none
   * has it.
   */
  async onFirstNode<T>(region: string, call: (node: string) => Promise<T>, notFound = 'No such file.'): Promise<T> {
    return this.read(region, call, notFound, true);
  }

  /**
   * A read whose 404 is the answer: the nearest node that answers decides, and a node that
   * lags is never asked after it. For access checks (share links): after a delete in the
   * owner's region, a lagging node would still show the item for a moment.
   */
  async onNearestNode<T>(region: string, call: (node: string) => Promise<T>, notFound = 'No such file.'): Promise<T> {
    return this.read(region, call, notFound, false);
  }

  private async read<T>(region: string, call: (node: string) => Promise<T>, notFound: string, retryNotFound: boolean): Promise<T> {
    let last: unknown = new AppError('unavailable', 'No storage node could be reached.');
    for (const node of this.order(region)) {
      try {
        return await call(node);
      } catch (error) {
        const retry = error instanceof NodeCallError && (error.unreachable || error.status >= 500 || (retryNotFound && error.status === 404));
        if (!retry) throw error instanceof NodeCallError && error.status === 404 ? new AppError('not_found', notFound) : fromNodeError(error);
        last = error.status === 404 ? new AppError('not_found', notFound) : fromNodeError(error);
      }
    }
    throw last;
  }

  /**
   * Runs a write on the usable nodes in order. Only a 404 moves on to the next node: the node
   * refused before writing anything (its index may lag behind the node that made the folder),
   * so trying elsewhere cannot do the write twice. A node that could not be reached or timed
   * out may have done it, so that is the caller's answer (503), never retried here.
   */
  async onWriteNode<T>(region: string, call: (node: string) => Promise<T>): Promise<T> {
    const usable = this.order(region).filter((id) => this.mesh.isUsable(id));
    if (usable.length === 0) throw new AppError('unavailable', 'No storage node is reachable; try again shortly.');
    let last: unknown;
    for (const node of usable) {
      try {
        return await call(node);
      } catch (error) {
        if (!(error instanceof NodeCallError) || error.status !== 404) throw fromNodeError(error);
        last = fromNodeError(error);
      }
    }
    throw last;
  }
}
