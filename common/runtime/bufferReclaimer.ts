import v8 from 'node:v8';
import { startGrowthTrigger } from './growthTrigger';

/**
 * Every network or file read allocates a fresh buffer (64 KiB from a socket, 1 MiB from a
 * file), and V8 frees dead ones only in a garbage collection. While bytes stream through,
 * little else allocates, so V8 let tens of MB of dead buffers pile up before collecting: the
 * gateway's peak RSS during a 1 GiB relay was ~148 MB, as in a bare Node proxy, and the nodes'
 * ~170 MB. This watches the memory held by ArrayBuffers and asks for a young-generation GC
 * (about a millisecond) once it has grown by `growthBytes` since the last one.
 * At a 500 MB/s download a check every 20 ms for 8 MiB let ~16 MB of dead buffers build up
 * (gateway peak 144 MB); every 10 ms for 4 MiB, 122 MB, for ~110 GCs per GiB.
 */
export interface BufferReclaimerOptions {
  intervalMs?: number;
  growthBytes?: number;
  /** Bytes held by ArrayBuffers (Buffers) now. */
  arrayBufferBytes?: () => number;
  /** A young-generation GC; absent when the process runs without --expose-gc. */
  collect?: () => void;
}

export function startBufferReclaimer(options: BufferReclaimerOptions = {}): () => void {
  const {
    intervalMs = 10,
    growthBytes = 4 * 1024 * 1024,
    // V8's external memory (Buffers' backing stores) costs ~1 µs to read; process.memoryUsage()
    // also reads the RSS, ~12 µs, a hundred times a second: 2 % of a node's CPU under small uploads.
    arrayBufferBytes = () => v8.getHeapStatistics().external_memory,
    collect = globalThis.gc && (() => globalThis.gc!({ type: 'minor' })),
  } = options;
  if (!collect) return () => {};
  return startGrowthTrigger({ intervalMs, growth: growthBytes, measure: arrayBufferBytes, act: collect });
}
