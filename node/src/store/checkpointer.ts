import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

/**
 * Copies the write-ahead log into the database file from a worker thread, on its own
 * connection. A checkpoint writes and fsyncs many pages; on the event loop that would stall
 * gossip and requests for as long as the disk takes (SQLite's automatic checkpoint runs in
 * the committing call, so the store turns it off). PASSIVE never blocks the writer.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, result });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error && error.message || error) });
  }
});
`;

/** What SQLite reports of a checkpoint: frames in the log, and how many of them are in the database. */
interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * The log frames past which the log counts as starved. SQLite starts the log over only when a
 * write begins right after a checkpoint reached its end; under a steady stream of commits one
 * always lands while the checkpoint runs, so the log grows without bound (SQLite's
 * "checkpoint starvation"). Then `starved` says so, and the committer lets one checkpoint run
 * with no commit beside it.
 */
export const STARVED_AFTER_FRAMES = 8_192;

export class Checkpointer {
  private readonly worker: Worker;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<CheckpointResult | undefined> | null = null;
  private resolveRun: ((result: CheckpointResult | undefined) => void) | null = null;
  private last: CheckpointResult | undefined;
  private closed = false;

  constructor(
    file: string,
    intervalMs: number,
    private readonly logger: Logger,
    private readonly starvedAfterFrames = STARVED_AFTER_FRAMES,
  ) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver } });
    this.worker.unref();
    this.worker.on('message', (message: { ok: boolean; result?: CheckpointResult; error?: string }) => {
      if (!message.ok) this.logger.warn({ error: message.error }, 'index checkpoint failed');
      else this.last = message.result;
      const resolve = this.resolveRun;
      this.running = null;
      this.resolveRun = null;
      resolve?.(message.result);
    });
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'index checkpoint worker failed'));
    // A worker that died answers nothing: a commit waiting on a checkpoint (a starved log) must
    // not wait for ever. The log then only grows until the next start; that is logged above.
    this.worker.on('exit', () => {
      this.closed = true;
      if (this.timer) clearInterval(this.timer);
      this.last = undefined;
      this.resolveRun?.(undefined);
      this.running = null;
      this.resolveRun = null;
    });
    this.timer = setInterval(() => void this.run(), intervalMs);
    this.timer.unref();
  }

  /** True when the log has grown past the limit: it has not been started over for that long. */
  get starved(): boolean {
    return this.last !== undefined && this.last.log > this.starvedAfterFrames;
  }

  /** A checkpoint, or the one already running; resolves when it is done. */
  run(): Promise<CheckpointResult | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    this.running ??= new Promise((resolve) => {
      this.resolveRun = resolve;
      this.worker.postMessage('run');
    });
    return this.running;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    // Unref'd so that it never keeps a process alive; while closing, it must.
    this.worker.ref();
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage('close');
    const timer = setTimeout(() => void this.worker.terminate(), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
