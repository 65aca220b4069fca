// One large transfer, measured in a plain `node` process of its own. In the benchmark harness
// the client shared a heap with tsx, esbuild and the test helpers; V8 then ran a full GC every
// few hundred milliseconds during a 1 GiB stream, and the measured rates said more about the
// harness than about what was measured. Each baseline and its counterpart run through here.
//
//   node transferClient.mjs triple-write <dir> <mib> <seed>
//   node transferClient.mjs upload <POST|PUT> <url> <mib> <seed> [headersJson]
//   node transferClient.mjs download <url> <expectedBytes> [headersJson]
//
// Prints one JSON line: { MBps, bytes, status, body? } (MB = 10^6 bytes); an upload adds what it
// cost the client's machine (clientUsage.mjs): { cpuSeconds, machineIdleShare }.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { usageMark, usageSince } from './clientUsage.mjs';

export const CHUNK = 1024 * 1024;

/** `mib` MiB of pseudo-random bytes, the same for the same seed, and no two chunks alike. */
export function payload(mib, seed) {
  // An AES-256-CTR keystream: a MiB in about a millisecond, reproducible from the seed.
  const key = crypto.createHash('sha256').update(seed).digest();
  const base = crypto.createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(CHUNK));
  let sent = 0;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (sent >= mib) return this.push(null);
      const chunk = Buffer.from(base);
      chunk.writeUInt32BE(sent, 0);
      sent++;
      this.push(chunk);
    },
  });
}

const rate = (bytes, startedAt) => bytes / 1e6 / ((performance.now() - startedAt) / 1000);

/**
 * The disk's own limit for what a 3-replica upload does: the same bytes written to three
 * files at once, each fsynced at the end.
 */
async function tripleWrite(dir, mib, seed) {
  const files = [0, 1, 2].map((i) => path.join(dir, `baseline-${i}.bin`));
  const streams = files.map((file) => fs.createWriteStream(file));
  const startedAt = performance.now();
  for await (const chunk of payload(mib, seed)) {
    await Promise.all(streams.map((s) => new Promise((resolve) => (s.write(chunk) ? resolve() : s.once('drain', resolve)))));
  }
  await Promise.all(streams.map((s) => new Promise((resolve) => s.end(resolve))));
  for (const file of files) {
    const fd = fs.openSync(file, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  }
  const MBps = rate(mib * CHUNK, startedAt);
  for (const file of files) fs.rmSync(file);
  return { MBps, bytes: mib * CHUNK };
}

function upload(method, url, mib, seed, headers) {
  const bytes = mib * CHUNK;
  const startedAt = performance.now();
  const mark = usageMark();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, 'content-length': bytes } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ MBps: rate(bytes, startedAt), bytes, status: res.statusCode, body, ...usageSince(mark) }));
    });
    req.on('error', reject);
    pipeline(payload(mib, seed), req).catch(reject);
  });
}

function download(url, expectedBytes, headers) {
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let bytes = 0;
        res.on('data', (chunk) => (bytes += chunk.length));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}`));
          else if (bytes !== expectedBytes) reject(new Error(`${url} returned ${bytes} of ${expectedBytes} bytes`));
          else resolve({ MBps: rate(bytes, startedAt), bytes, status: res.statusCode });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function main([command, ...args]) {
  switch (command) {
    case 'triple-write':
      return tripleWrite(args[0], Number(args[1]), args[2]);
    case 'upload':
      return upload(args[0], args[1], Number(args[2]), args[3], JSON.parse(args[4] ?? '{}'));
    case 'download':
      return download(args[0], Number(args[1]), JSON.parse(args[2] ?? '{}'));
    default:
      throw new Error(`unknown command ${command}: triple-write | upload | download`);
  }
}

/**
 * Runs a bench client's `main` when its module is the script node was started with: the
 * arguments in, one JSON line out, the stack and exit code 1 on failure.
 */
export function runAsScript(moduleUrl, main) {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  main(process.argv.slice(2)).then(
    (result) => process.stdout.write(JSON.stringify(result) + '\n'),
    (error) => {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
}

runAsScript(import.meta.url, main);
