import fs from 'node:fs';
import path from 'node:path';

/**
 * The incarnation a node starts with: one more than the last run's, persisted before the node
 * speaks, so that a restarted node always rejoins above anything the others remember of it.
 */
export function nextIncarnation(systemDir: string): number {
  const file = path.join(systemDir, 'incarnation');
  let previous = 0;
  try {
    const parsed = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    if (Number.isSafeInteger(parsed) && parsed >= 0) previous = parsed;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const next = previous + 1;
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
  return next;
}
