import fs from 'node:fs';

/**
 * Creates `dir` (and missing parents) readable by this user only, and narrows it to 0700 if
 * it already existed more open: data directories hold every user's files, codes and keys
 * (DESIGN §9). Narrowing the top of a tree is enough; nothing below it can be reached.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  if ((fs.statSync(dir).mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}
