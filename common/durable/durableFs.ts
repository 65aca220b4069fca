import type { FileHandle } from 'node:fs/promises';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';

/**
 * Makes a directory's entries (a created, renamed or removed name) survive a power cut.
 * Windows cannot open a directory for syncing, and NTFS journals names itself.
 */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * mkdir -p whose new entries are durable: each created directory's parent is synced. New
 * directories are 0700: they hold users' data.
 */
export async function mkdirDurable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  const created: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    created.push(d);
    if (d === path.resolve(first) || d === path.dirname(d)) break;
  }
  // Deepest first: a child's name is durable before the name of the directory that holds it.
  for (const d of created) await fsyncDir(path.dirname(d));
}

/**
 * A Writable over a FileHandle we keep owning, so the caller can fsync before closing (a
 * stream over a path would close the descriptor itself). Loops because a write may be short.
 */
export function fileHandleSink(handle: FileHandle): Writable {
  // Network chunks are 16–64 KiB; one write per chunk would cost a thread-pool round trip
  // each. A large buffer and writev coalesce whatever queued up into one syscall.
  return new Writable({
    highWaterMark: 1024 * 1024,
    async writev(chunks, callback) {
      try {
        let buffers = chunks.map(({ chunk }) => chunk as Buffer);
        while (buffers.length > 0) {
          let { bytesWritten } = await handle.writev(buffers);
          // Short writes are rare but legal: drop what was written and go on with the rest.
          while (buffers.length > 0 && bytesWritten >= buffers[0]!.length) bytesWritten -= buffers.shift()!.length;
          if (bytesWritten > 0) buffers[0] = buffers[0]!.subarray(bytesWritten);
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}
