import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/**
 * Bytes a sink writes between two background fdatasyncs, unless told otherwise. Without them a
 * large file's bytes all sit dirty in the page cache until its last fsync: a 1 GiB upload left
 * 3 GiB dirty across the three nodes, the kernel throttled every writer on the machine, and
 * each node's event loop stalled for 300–650 ms in a synchronous SQLite commit that had to
 * wait for that writeback (measured through `/v1/status`'s eventLoop.maxMs).
 */
export const FLUSH_EVERY_BYTES = 2 * 1024 * 1024;

export interface FileHandleSinkOptions {
  /** Bytes written between two background fdatasyncs; 0 flushes only when the caller syncs. */
  readonly flushEveryBytes?: number;
}

/**
 * A Writable over a FileHandle we keep owning, so the caller can fsync before closing (a
 * stream over a path would close the descriptor itself). Loops because a write may be short.
 *
 * While it writes, it flushes what it wrote in the background, one fdatasync at a time, so
 * that the disk works while the network does and the caller's final fsync has only the last
 * few MiB left. Call `settled()` beside that fsync: a background flush that failed is a failed
 * write (Linux reports a writeback error to one fsync only, possibly that one).
 */
export class FileHandleSink extends Writable {
  private readonly flushEveryBytes: number;
  private sinceFlush = 0;
  private flushing: Promise<void> | undefined;
  private flushFailure: Error | undefined;

  constructor(
    private readonly handle: FileHandle,
    opts: FileHandleSinkOptions = {},
  ) {
    // Network chunks are 16–64 KiB; one write per chunk would cost a thread-pool round trip
    // each. A large buffer and writev coalesce whatever queued up into one syscall.
    super({ highWaterMark: 1024 * 1024 });
    this.flushEveryBytes = opts.flushEveryBytes ?? FLUSH_EVERY_BYTES;
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.writeAll(chunks.map(({ chunk }) => chunk)).then(
      () => callback(),
      (error: unknown) => callback(error as Error),
    );
  }

  /** Waits for a background flush still running; throws the error of one that failed. */
  async settled(): Promise<void> {
    await this.flushing;
    if (this.flushFailure) throw this.flushFailure;
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    if (this.flushFailure) throw this.flushFailure;
    let written = 0;
    while (buffers.length > 0) {
      let { bytesWritten } = await this.handle.writev(buffers);
      written += bytesWritten;
      // Short writes are rare but legal: drop what was written and go on with the rest.
      while (buffers.length > 0 && bytesWritten >= buffers[0]!.length) bytesWritten -= buffers.shift()!.length;
      if (bytesWritten > 0) buffers[0] = buffers[0]!.subarray(bytesWritten);
    }
    this.sinceFlush += written;
    if (this.flushEveryBytes > 0 && this.sinceFlush >= this.flushEveryBytes && !this.flushing) {
      this.sinceFlush = 0;
      this.flushing = this.handle.datasync().then(
        () => {
          this.flushing = undefined;
        },
        (error: unknown) => {
          this.flushFailure ??= error as Error;
          this.flushing = undefined;
        },
      );
    }
  }
}

export function fileHandleSink(handle: FileHandle, opts?: FileHandleSinkOptions): FileHandleSink {
  return new FileHandleSink(handle, opts);
}
