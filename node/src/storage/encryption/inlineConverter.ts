import type { Logger } from 'pino';
import type { InlineData } from '../../api/files';
import { throttle } from '../throttle';
import type { InlineCodec } from './inlineSeal';

/** What the inline converter needs of the index: the stored values, and a way to replace some. */
export interface InlineValues {
  inlineValues(): AsyncIterable<{ userId: string; fileId: string; value: InlineData }>;
  replaceInlineValues(changes: ReadonlyArray<{ userId: string; fileId: string; value: InlineData }>): Promise<number>;
}

export interface InlineConverterDeps {
  readonly values: InlineValues;
  readonly codec: InlineCodec;
  /**
   * Whether this node rewrites the user's inline files: the user's quota owner alone, so that
   * a value is rewritten once for the cluster, not once per node (every node holds every
   * inline file, and each rewrite is gossiped to all).
   */
  readonly owns: (userId: string) => boolean;
  /** Values looked at per second at most. */
  readonly filesPerSecond: number;
  readonly logger: Logger;
}

/** Changes written in one transaction (one fsync, one gossip batch). */
const BATCH = 64;

/**
 * The inline files' part of conversion and rotation (blobConverter.ts runs it after the blobs):
 * seals the values written before encryption and re-wraps the data keys of those sealed under
 * an older master key. A pass walks the index's `data/` keys in order at a bounded rate; a
 * value another node owns is left to it and counted as waiting: it arrives converted by gossip.
 */
export class InlineConverter {
  readonly stats = { looked: 0, sealed: 0, rewrapped: 0, waiting: 0 };

  constructor(private readonly deps: InlineConverterDeps) {}

  /** One pass; resolves with how many values still wait for another node (0: all current here). */
  async pass(signal: AbortSignal): Promise<number> {
    let waiting = 0;
    let batch: Array<{ userId: string; fileId: string; value: InlineData; sealed: boolean }> = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await this.deps.values.replaceInlineValues(batch);
      for (const change of batch) {
        if (change.sealed) this.stats.sealed++;
        else this.stats.rewrapped++;
      }
      batch = [];
    };
    for await (const { userId, fileId, value } of throttle(this.deps.values.inlineValues(), this.deps.filesPerSecond, { signal })) {
      this.stats.looked++;
      let next: InlineData | undefined;
      try {
        next = this.deps.codec.current(value);
      } catch (error) {
        // A value that does not open is the owner's repair to make; it must not stop the pass.
        this.deps.logger.warn({ userId, fileId, err: error }, 'an inline file could not be converted');
        waiting++;
        continue;
      }
      if (!next) continue;
      if (!this.deps.owns(userId)) {
        waiting++;
        continue;
      }
      batch.push({ userId, fileId, value: next, sealed: 'base64' in value });
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    this.stats.waiting = waiting;
    return waiting;
  }
}
