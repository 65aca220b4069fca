import fs from 'node:fs';
import path from 'node:path';

/**
 * The incarnation a node starts with: one more than the last run's, persisted before the node
 * speaks, so that a restarted node always rejoins above anything the others remember of it.
 */
export function nextIncarnation(systemDir: string): number {
  const next = storedIncarnation(systemDir) + 1;
  writeIncarnation(systemDir, next);
  return next;
}

/**
 * Keeps the incarnation a node leaves with (refutations raise it in memory): peers remember
 * it as `left`, and only a higher one brings the node back, so the next start must exceed it.
 */
export function recordIncarnation(systemDir: string, incarnation: number): void {
  if (incarnation > storedIncarnation(systemDir)) writeIncarnation(systemDir, incarnation);
}

function storedIncarnation(systemDir: string): number {
  try {
    const parsed = Number.parseInt(fs.readFileSync(path.join(systemDir, 'incarnation'), 'utf8').trim(), 10);
    if (Number.isSafeInteger(parsed) && parsed >= 0) return parsed;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return 0;
}

function writeIncarnation(systemDir: string, next: number): void {
  const file = path.join(systemDir, 'incarnation');
  fs.mkdirSync(systemDir, { recursive: true, mode: 0o700 });
  const temp = `${file}.tmp`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, `${next}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}
