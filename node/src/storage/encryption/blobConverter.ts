import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { BlobStore } from '../blobStore';
import { systemDir } from '../layout';
import { throttle } from '../throttle';
import { PLAINTEXT_CONVERTED_MARKER } from './keyMarker';

export interface ConverterSettings {
  /** Plaintext bytes read (and encrypted) per second, all files together. */
  readonly bytesPerSecond: number;
  /** Blobs looked at per second at most (each costs an open and a header read). */
  readonly filesPerSecond: number;
}

/**
 * Encrypts the blobs written before encryption, in the background, once per start until none
 * is left (DESIGN §6, README: Encryption at rest). Each blob is swapped in atomically by
 * BlobStore.encryptInPlace, so a crash halfway leaves every file readable (plaintext or
 * encrypted), and the next start goes on. Bounded in bytes and files per second, one blob at a
 * time, so users keep the disk. New writes are encrypted already: a pass never has to return.
 */
export class BlobConverter {
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  readonly stats = { passes: 0, looked: 0, converted: 0, bytes: 0, failed: 0, done: false };

  constructor(
    private readonly blobs: BlobStore,
    private readonly settings: ConverterSettings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (!this.blobs.encrypts) return;
    if (fs.existsSync(this.doneMarker())) {
      this.stats.done = true;
      return;
    }
    this.running = this.pass().catch((error: unknown) => {
      if (!this.abort.signal.aborted) this.logger.error({ err: error }, 'conversion of plaintext blobs failed; the next start goes on');
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  /** One pass over every blob; resolves when it is done or stopped. */
  async pass(): Promise<void> {
    const { signal } = this.abort;
    this.stats.passes++;
    const failedBefore = this.stats.failed;
    for await (const blob of throttle(this.blobs.list(), this.settings.filesPerSecond, { signal })) {
      if (signal.aborted) return;
      this.stats.looked++;
      try {
        const result = await this.blobs.encryptInPlace(blob.userId, blob.fileId, { bytesPerSecond: this.settings.bytesPerSecond, signal });
        if (result === 'converted') {
          this.stats.converted++;
          this.stats.bytes += blob.size;
        }
      } catch (error) {
        if (signal.aborted) return;
        // A bad blob is the scrubber's and the repairer's business; it is converted next start.
        this.stats.failed++;
        this.logger.warn({ userId: blob.userId, fileId: blob.fileId, err: error }, 'could not encrypt a plaintext blob');
      }
    }
    if (this.stats.failed > failedBefore) return;
    await writeFile(this.doneMarker(), `${new Date().toISOString()}\n`, { mode: 0o600, flush: true });
    this.stats.done = true;
    this.logger.info({ converted: this.stats.converted, bytes: this.stats.bytes }, 'every plaintext blob is encrypted');
  }

  private doneMarker(): string {
    return path.join(systemDir(this.blobs.nodeDir), PLAINTEXT_CONVERTED_MARKER);
  }
}
