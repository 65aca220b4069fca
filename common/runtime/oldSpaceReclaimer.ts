import v8 from 'node:v8';
import { startGrowthTrigger } from './growthTrigger';

/**
 * V8 runs a full GC once the old generation reaches a limit set at the previous one: twice the
 * live heap (--heap-growing-percent=100), and 64 MB before the first one
 * (--initial-old-space-size, scripts/buildServer.mjs). Under a stream of short requests, each
 * one's objects outlive two young-generation GCs and are promoted, then die there. In
 * bench:resumable's small files after its large ones (600 uploads), the gateway's live heap
 * stayed at 36 MB while its old space filled to 54 MB with them, and its RSS went from 133 to
 * 151 MB, past the 150 MB target, before V8 collected.
 *
 * Lowering V8's limits instead (`--initial-old-space-size=48 --heap-growing-percent=50`) also
 * kept the peak at 139 MB, but changes when V8 collects during long streams, where a tight limit
 * once caused a storm of full GCs (buildServer.mjs); bench:gateway's download ratio measured
 * 0.56 and 0.57 with them, against 0.70 and 0.82 without, on a machine where identical runs
 * range from 0.42 to 0.82. So this leaves V8's limits alone and asks for an incremental full
 * GC (marking runs beside the program; the pause is short) only once the old generation has
 * grown by `growthBytes` since the least it held. A download promotes too little to trigger it
 * (none fired in a bench:gateway run); the small files above triggered two, and the gateway's
 * peak over the whole bench:resumable fell to 134–136 MB.
 * The gateway runs it, for its RSS target. The storage nodes do not: it took their peaks from
 * ~140 to ~126 MB too (5–7 full GCs each in those small files), but with it bench:small's
 * one-user rate was 244 and 208 files/s against 256 and 391 without: too noisy to be sure, and
 * the nodes have no RSS target to pay for, so they keep V8's own schedule.
 */
export interface OldSpaceReclaimerOptions {
  intervalMs?: number;
  growthBytes?: number;
  /** Bytes used in V8's old generation now. */
  oldSpaceBytes?: () => number;
  /** An incremental full GC; absent when the process runs without --expose-gc. */
  collect?: () => void;
}

export function startOldSpaceReclaimer(options: OldSpaceReclaimerOptions = {}): () => void {
  const {
    intervalMs = 1_000,
    growthBytes = 8 * 1024 * 1024,
    oldSpaceBytes = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')?.space_used_size ?? 0,
    collect = globalThis.gc && (() => void globalThis.gc!({ type: 'major', execution: 'async' })),
  } = options;
  if (!collect) return () => {};
  // The collection runs beside the program: later ticks see what it freed as a new low.
  return startGrowthTrigger({ intervalMs, growth: growthBytes, measure: oldSpaceBytes, act: collect });
}
