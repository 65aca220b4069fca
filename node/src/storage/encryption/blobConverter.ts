import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { BlobStore } from '../blobStore';
import { systemDir } from '../layout';
import { throttle } from '../throttle';
import { INLINE_SEALED_MARKER, PLAINTEXT_CONVERTED_MARKER, readKeyMarker, writeKeyMarker } from './keyMarker';
import type { InlineConverter } from './inlineConverter';
import { keyIdHex } from './masterKeys';

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
 *
 * The same pass carries out a master key rotation (`npm run keys -- rotate`, then a restart
 * with the new key first in the key file): every blob whose data key is wrapped under an older
 * key is re-wrapped under the current one (BlobStore.rewrapInPlace: one header slot, no data
 * rewritten). When a pass ends with nothing left, the key marker names the current key only,
 * so the node starts without the old key from then on.
 */
export class BlobConverter {
  private abort = new AbortController();
  private running: Promise<void> | null = null;
  readonly stats;

  constructor(
    private readonly blobs: BlobStore,
    private readonly settings: ConverterSettings,
    private readonly logger: Logger,
    /** The inline files kept in the index, converted after the blobs (inlineConverter.ts). */
    private readonly inline?: InlineConverter,
    /** How long to wait before looking again for inline files other nodes still have to convert. */
    private readonly inlineRetryMs = 5_000,
  ) {
    this.stats = { passes: 0, looked: 0, converted: 0, bytes: 0, rewrapped: 0, failed: 0, done: false, inline: inline?.stats ?? { looked: 0, sealed: 0, rewrapped: 0, waiting: 0 } };
  }

  start(): void {
    if (!this.blobs.encrypts) return;
    this.keysSettled();
    if (fs.existsSync(this.doneMarker()) && this.inlineDone() && this.keysSettled()) {
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

  /** The master keys changed (POST /v1/keys/reload): a pass starts over and re-wraps what is under an older key. */
  async restart(): Promise<void> {
    await this.stop();
    this.abort = new AbortController();
    this.running = null;
    this.stats.done = false;
    this.start();
  }

  /** One pass over every blob, then over the inline files; resolves when it is done or stopped. */
  async pass(): Promise<void> {
    const { signal } = this.abort;
    this.stats.passes++;
    const settled = this.keysSettled();
    if (!settled || !fs.existsSync(this.doneMarker())) {
      if (!(await this.blobPass(signal))) return;
      await writeFile(this.doneMarker(), `${new Date().toISOString()}\n`, { mode: 0o600, flush: true });
    }
    if (this.inline && (!settled || !this.inlineDone())) {
      if (!(await this.inlinePasses(this.inline, signal))) return;
      await writeFile(this.marker(INLINE_SEALED_MARKER), `${new Date().toISOString()}\n`, { mode: 0o600, flush: true });
    }
    // Every blob and inline file is under the current key now (new ones are, and replicas are re-wrapped as they come).
    if (!this.keysSettled()) {
      await writeKeyMarker(this.blobs.nodeDir, [this.currentKeyId()]);
      this.markedKeys = [this.currentKeyId()];
    }
    this.stats.done = true;
    this.logger.info({ converted: this.stats.converted, bytes: this.stats.bytes, rewrapped: this.stats.rewrapped, inline: this.stats.inline }, 'every blob and inline file is encrypted under the current master key');
  }

  /** Whether every blob was looked at and none failed. */
  private async blobPass(signal: AbortSignal): Promise<boolean> {
    const failedBefore = this.stats.failed;
    for await (const blob of throttle(this.blobs.list(), this.settings.filesPerSecond, { signal })) {
      if (signal.aborted) return false;
      this.stats.looked++;
      try {
        const result = await this.blobs.encryptInPlace(blob.userId, blob.fileId, { bytesPerSecond: this.settings.bytesPerSecond, signal });
        if (result === 'converted') {
          this.stats.converted++;
          this.stats.bytes += blob.size;
        } else if ((await this.blobs.rewrapInPlace(blob.userId, blob.fileId)) === 'rewrapped') {
          this.stats.rewrapped++;
        }
      } catch (error) {
        if (signal.aborted) return false;
        // A bad blob is the scrubber's and the repairer's business; it is converted next start.
        this.stats.failed++;
        this.logger.warn({ userId: blob.userId, fileId: blob.fileId, err: error }, 'could not encrypt a plaintext blob');
      }
    }
    return this.stats.failed === failedBefore;
  }

  /**
   * Passes over the inline files until none in this node's index is left under an old key or
   * in plaintext: the ones other nodes own arrive converted by gossip. False when stopped.
   */
  private async inlinePasses(inline: InlineConverter, signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      try {
        if ((await inline.pass(signal)) === 0) return true;
        await sleep(this.inlineRetryMs, undefined, { signal });
      } catch (error) {
        if (signal.aborted) return false;
        throw error;
      }
    }
    return false;
  }

  private inlineDone(): boolean {
    return !this.inline || fs.existsSync(this.marker(INLINE_SEALED_MARKER));
  }

  /**
   * The key ids this node's blobs may still use (its marker), for the status page: read when
   * the marker changes, not per status request.
   */
  keyIdsInUse(): string[] {
    return [...this.markedKeys];
  }

  private markedKeys: string[] = [];

  /** Whether the key marker names the current key alone (no rotation left to carry out). */
  private keysSettled(): boolean {
    const marked = readKeyMarker(this.blobs.nodeDir);
    this.markedKeys = marked;
    return marked.length === 1 && marked[0] === this.currentKeyId();
  }

  private currentKeyId(): string {
    return keyIdHex(this.blobs.currentKeyId()!);
  }

  private doneMarker(): string {
    return this.marker(PLAINTEXT_CONVERTED_MARKER);
  }

  private marker(name: string): string {
    return path.join(systemDir(this.blobs.nodeDir), name);
  }
}
