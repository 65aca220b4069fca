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

export class Checkpointer {
  private readonly worker: Worker;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private closed = false;

  constructor(file: string, intervalMs: number, private readonly logger: Logger) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver } });
    this.worker.unref();
    this.worker.on('message', (message: { ok: boolean; error?: string }) => {
      this.busy = false;
      if (!message.ok) this.logger.warn({ error: message.error }, 'index checkpoint failed');
    });
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'index checkpoint worker failed'));
    this.timer = setInterval(() => this.request(), intervalMs);
    this.timer.unref();
  }

  /** Asks for a checkpoint unless one is running. */
  request(): void {
    if (this.busy || this.closed) return;
    this.busy = true;
    this.worker.postMessage('run');
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
