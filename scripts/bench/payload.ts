import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

export const CHUNK = 1024 * 1024;

/** `mib` MiB of pseudo-random bytes, the same stream every time, generated fast. */
export function payload(mib: number, seed: Buffer = crypto.randomBytes(CHUNK)): Readable {
  let sent = 0;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (sent >= mib) return this.push(null);
      const chunk = Buffer.from(seed);
      chunk.writeUInt32BE(sent, 0);
      sent++;
      this.push(chunk);
    },
  });
}

/**
 * The disk's own limit for what a 3-replica upload does: the same bytes written to three
 * files at once, each fsynced at the end. Returns MB/s (10^6 bytes).
 */
export async function tripleWriteMBps(dir: string, mib: number, seed: Buffer): Promise<number> {
  const files = [0, 1, 2].map((i) => path.join(dir, `baseline-${i}.bin`));
  const streams = files.map((file) => fs.createWriteStream(file));
  const started = performance.now();
  for await (const chunk of payload(mib, seed)) {
    await Promise.all(streams.map((s) => new Promise<void>((resolve) => (s.write(chunk) ? resolve() : s.once('drain', resolve)))));
  }
  await Promise.all(streams.map((s) => new Promise<void>((resolve) => s.end(resolve))));
  for (const file of files) {
    const fd = fs.openSync(file, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  }
  const seconds = (performance.now() - started) / 1000;
  for (const file of files) fs.rmSync(file);
  return (mib * CHUNK) / 1e6 / seconds;
}
