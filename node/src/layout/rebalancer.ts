import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { NodeId } from '../gossip/frames';
import type { HoldingsAnswer, RebalanceSummary } from '../api/layout';
import { MAX_HOLDINGS_PER_REQUEST } from '../api/layout';
import { fsyncDir } from '../../../common/durable/durableFs';
import { displacedCopyVerdict, mayDropCopy, type HolderAnswer } from './moveRule';
import { RateWindow } from './rateWindow';

function fresh(version: number): SavedState {
  return { version, after: null, dropped: 0, found: 0, waiting: 0, done: false };
}

/** Own replica records read per step; the cursor is saved after each. */
const PAGE = 128;

export interface OwnCopy {
  /** The record's index key: the walk's cursor. */
  key: string;
  userId: string;
  fileId: string;
}

export interface RebalancerDeps {
  self: NodeId;
  replicas: number;
  layoutVersion(): number;
  /** This node's replica records after `after` in key order, at most `limit`. */
  ownCopies(after: string | undefined, limit: number): OwnCopy[];
  /** The file's live blob entry (undefined: deleted, unknown or inline — not ours to move). */
  blobFile(userId: string, fileId: string): { sha256: string } | undefined;
  holders(fileId: string): NodeId[];
  /** Whether `node`'s replica record says stored with this hash. */
  storedOn(node: NodeId, userId: string, fileId: string, sha256: string): boolean;
  holdings(peer: NodeId, files: Array<{ userId: string; fileId: string }>): Promise<HoldingsAnswer>;
  /** Drops this node's copy: the blob, then its replica record. */
  drop(userId: string, fileId: string): Promise<void>;
  /** Incoming side, from the repairer: files pulled so far, and pulls waiting or running. */
  pulled(): number;
  backlog(): number;
  /** _system/rebalance.json: the walk resumes there after a restart. */
  stateFile: string;
  filesPerSecond: number;
  /** First wait before walking again while copies wait for their new holders; doubles up to `retryMaxMs`. */
  retryMinMs: number;
  retryMaxMs: number;
  /** A walk also runs this often with no layout change (copies placed while a holder was down). */
  revisitMs: number;
  now?: () => number;
  logger: Logger;
}

const savedStateSchema = z.object({
  version: z.number().int().nonnegative(),
  after: z.string().max(1024).nullable(),
  dropped: z.number().int().nonnegative(),
  /** Moved copies the walk so far found, and of them the ones still waiting (a resumed walk keeps them). */
  found: z.number().int().nonnegative(),
  waiting: z.number().int().nonnegative(),
  done: z.boolean(),
});
type SavedState = z.infer<typeof savedStateSchema>;


/**
 * Moves this node's share of the data when the layout changes (DESIGN §12). New holders pull
 * their copies through the repairer (it pulls what the layout says a node should hold, within
 * its budget); this walks this node's own replica records with a saved cursor, paced, and drops
 * each copy the layout moved away once its new holders all store it (moveRule.ts). A walk that
 * finds copies still waiting runs again later; a restart resumes where the cursor stood.
 */
export class Rebalancer {
  private state: SavedState = fresh(0);
  private phase: RebalanceSummary['phase'] = 'idle';
  private passes = 0;
  /** What the last finished walk left waiting, while the next one counts again. */
  private lastWaiting = 0;
  private pulledBase = 0;
  private retryMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private restart = false;
  private nudged = false;
  private stopped = false;
  private readonly rate: RateWindow;
  private readonly now: () => number;

  constructor(private readonly deps: RebalancerDeps) {
    this.retryMs = deps.retryMinMs;
    this.now = deps.now ?? Date.now;
    this.rate = new RateWindow(10_000, this.now);
  }

  /** Loads the saved cursor: a walk cut by a restart goes on from there, under the same version. */
  async start(): Promise<void> {
    this.stopped = false;
    this.pulledBase = this.deps.pulled();
    const saved = await this.load();
    const version = this.deps.layoutVersion();
    if (saved && saved.version === version) this.state = saved;
    else this.state = fresh(version);
    this.phase = this.state.done ? 'done' : 'idle';
    this.schedule(this.state.done ? this.deps.revisitMs : 1_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** A new layout version: the walk starts over under it, at once. */
  layoutChanged(): void {
    const version = this.deps.layoutVersion();
    if (version === this.state.version) return;
    this.state = fresh(version);
    this.pulledBase = this.deps.pulled();
    this.lastWaiting = 0;
    this.retryMs = this.deps.retryMinMs;
    this.restart = true;
    this.schedule(0);
  }

  /**
   * Another node's replica record changed for a file whose copy here is not where the layout
   * puts it (it was waiting for its new holder, or an upload placed it here while a holder was
   * down): walk again soon (coalesced: at most one walk a second), not at the backoff.
   */
  nudge(): void {
    if (this.phase === 'walking' || this.nudged || this.stopped) return;
    this.nudged = true;
    this.retryMs = this.deps.retryMinMs;
    this.schedule(this.deps.retryMinMs);
  }

  summary(): RebalanceSummary {
    const incoming = { moved: Math.max(0, this.deps.pulled() - this.pulledBase), remaining: this.deps.backlog() };
    const waiting = Math.max(this.lastWaiting, this.state.waiting);
    const outgoing = { moved: this.state.dropped, waiting, found: Math.max(this.state.found, this.state.dropped + waiting) };
    this.rate.observe(incoming.moved + outgoing.moved);
    return {
      layoutVersion: this.state.version,
      phase: this.phase,
      passes: this.passes,
      toMove: incoming.remaining + outgoing.waiting,
      moved: incoming.moved + outgoing.moved,
      ratePerSecond: this.rate.perSecond(),
      incoming,
      outgoing,
    };
  }

  /** One walk now (tests); concurrent callers share it. */
  runOnce(): Promise<void> {
    this.running ??= this.walk()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'rebalance walk failed; will try again'))
      .finally(() => (this.running = null));
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runOnce().then(() => {
        if (this.restart) this.schedule(0);
      });
    }, ms);
    this.timer.unref();
  }

  private async walk(): Promise<void> {
    const { deps } = this;
    this.restart = false;
    this.nudged = false;
    this.passes++;
    this.phase = 'walking';
    const version = this.state.version;
    if (this.state.after === null) this.state = { ...this.state, found: this.state.dropped, waiting: 0 };
    const startedAt = this.now();
    let looked = 0;
    for (;;) {
      if (this.stopped || this.restart) return;
      const page = deps.ownCopies(this.state.after ?? undefined, PAGE);
      const ready: Array<OwnCopy & { holders: NodeId[] }> = [];
      for (const copy of page) {
        const file = deps.blobFile(copy.userId, copy.fileId);
        if (!file) continue;
        const holders = deps.holders(copy.fileId);
        const verdict = displacedCopyVerdict({
          self: deps.self,
          holders,
          storedOn: (node) => deps.storedOn(node, copy.userId, copy.fileId, file.sha256),
          replicas: deps.replicas,
        });
        if (verdict === 'keep') continue;
        if (verdict === 'wait') {
          this.state.waiting++;
          this.state.found++;
        }
        else ready.push({ ...copy, holders });
      }
      const { dropped, notConfirmed } = await this.dropConfirmed(ready, version);
      if (this.restart || version !== this.state.version) return;
      this.state.waiting += notConfirmed;
      this.state.dropped += dropped;
      this.state.found += dropped + notConfirmed;
      this.state.after = page.at(-1)?.key ?? this.state.after;
      looked += page.length;
      if (page.length < PAGE) break;
      await this.save();
      // Paced against the walk's start: a million records are a trickle, not a storm.
      const wait = startedAt + (looked * 1000) / deps.filesPerSecond - this.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const finished = this.state.waiting === 0;
    this.lastWaiting = this.state.waiting;
    this.state = { ...this.state, after: null, done: finished };
    await this.save();
    this.phase = finished ? 'done' : 'waiting';
    if (finished) {
      this.retryMs = deps.retryMinMs;
      if (this.state.dropped > 0) deps.logger.info({ version, dropped: this.state.dropped }, 'rebalance done: every moved copy is stored on its new holders');
      this.schedule(deps.revisitMs);
    } else {
      deps.logger.info({ version, waiting: this.state.waiting, retryMs: this.retryMs }, 'copies wait for their new holders; walking again later');
      this.schedule(this.retryMs);
      this.retryMs = Math.min(deps.retryMaxMs, this.retryMs * 2);
    }
  }

  /** Asks every new holder of these files at once (one call each), then drops what all of them hold. */
  private async dropConfirmed(ready: Array<OwnCopy & { holders: NodeId[] }>, version: number): Promise<{ dropped: number; notConfirmed: number }> {
    if (ready.length === 0) return { dropped: 0, notConfirmed: 0 };
    const { deps } = this;
    const asked = new Map<NodeId, Array<OwnCopy & { holders: NodeId[] }>>();
    for (const copy of ready) for (const holder of copy.holders) asked.set(holder, [...(asked.get(holder) ?? []), copy]);
    const answers = new Map<string, Map<NodeId, HolderAnswer | undefined>>();
    for (const copy of ready) answers.set(copy.key, new Map());
    await Promise.all(
      [...asked].map(async ([holder, copies]) => {
        for (let i = 0; i < copies.length; i += MAX_HOLDINGS_PER_REQUEST) {
          const batch = copies.slice(i, i + MAX_HOLDINGS_PER_REQUEST);
          let answer: HoldingsAnswer | undefined;
          try {
            answer = await deps.holdings(holder, batch.map(({ userId, fileId }) => ({ userId, fileId })));
          } catch (error) {
            deps.logger.debug({ holder, err: error }, 'holder did not say what it holds');
          }
          batch.forEach((copy, j) => answers.get(copy.key)!.set(holder, answer ? { version: answer.version, stored: answer.stored[j] === true } : undefined));
        }
      }),
    );
    let dropped = 0;
    let notConfirmed = 0;
    for (const copy of ready) {
      if (this.stopped || this.restart || version !== deps.layoutVersion()) return { dropped, notConfirmed };
      if (!mayDropCopy({ holders: copy.holders, version, replicas: deps.replicas, answers: answers.get(copy.key)! })) {
        notConfirmed++;
        continue;
      }
      await deps.drop(copy.userId, copy.fileId);
      dropped++;
    }
    return { dropped, notConfirmed };
  }

  private async load(): Promise<SavedState | undefined> {
    try {
      const parsed = savedStateSchema.safeParse(JSON.parse(await fs.readFile(this.deps.stateFile, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** Temp file, fsync, rename, fsync of the directory: the cursor survives a power cut whole. */
  private async save(): Promise<void> {
    const file = this.deps.stateFile;
    const temp = `${file}.tmp`;
    const handle = await fs.open(temp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(this.state));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
    await fsyncDir(path.dirname(file));
  }
}
