import type { FileHandle } from 'node:fs/promises';

/** A partial's open descriptor and the bytes its file holds, all of them fsynced. */
export interface OpenPartial {
  readonly handle: FileHandle;
  readonly size: number;
}

/** Partials kept open at most (a descriptor each). */
const MAX_OPEN = 256;

/**
 * The descriptors of partials written lately, kept open from one PATCH to the next. Without
 * them every 8 MiB PATCH began on each holder with an open, an fstat and an ftruncate: three
 * thread-pool round trips whose answers wait behind the stream the coordinator is pumping. On
 * the coordinator's own holder they took ~20 ms of a ~110 ms PATCH, with the whole fan-out
 * stalled behind that holder's branch.
 *
 * An entry is taken by its upload's one writer (the holder's lease guarantees one) and given
 * back only once that writer's COMMIT is durable, so its size is the file's; a writer that
 * fails closes its descriptor instead, and the next one opens and measures the file again.
 * An entry idle for `idleMs` is closed; so is the oldest beyond MAX_OPEN.
 */
export class OpenPartials {
  private readonly idle = new Map<string, { partial: OpenPartial; timer: NodeJS.Timeout }>();

  constructor(private readonly idleMs: number) {}

  /** The upload's descriptor, now the caller's to give back or close; undefined to open it. */
  take(uploadId: string): OpenPartial | undefined {
    const entry = this.idle.get(uploadId);
    if (!entry) return undefined;
    this.idle.delete(uploadId);
    clearTimeout(entry.timer);
    return entry.partial;
  }

  give(uploadId: string, partial: OpenPartial): void {
    void this.close(uploadId);
    const timer = setTimeout(() => void this.close(uploadId), this.idleMs);
    timer.unref();
    this.idle.set(uploadId, { partial, timer });
    if (this.idle.size > MAX_OPEN) void this.close(this.idle.keys().next().value!);
  }

  /** Closes the upload's descriptor if one is kept (before its partial is renamed or removed). */
  async close(uploadId: string): Promise<void> {
    const entry = this.take(uploadId);
    await entry?.handle.close().catch(() => undefined);
  }

  get size(): number {
    return this.idle.size;
  }
}
