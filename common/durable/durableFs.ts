import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';

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
