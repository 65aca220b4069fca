import { createHash } from 'node:crypto';
import { crc32 } from '@node-rs/crc32';
import { BlobSealer } from '../../node/src/storage/encryption/blobEncryptor';
import { BlobOpener } from '../../node/src/storage/encryption/blobDecoder';
import { HEADER_BYTES, lastSegmentIndex, segmentSpan } from '../../node/src/storage/encryption/blobFormat';
import { MasterKeyring } from '../../node/src/storage/encryption/masterKeys';
import { arg } from './args';

/**
 * Chooses the segment size of encrypted blobs (blobFormat.ts): for 64 KiB, 256 KiB and 1 MiB,
 * seals and opens `--mib` MiB in memory in 64 KiB network-sized chunks (MB/s, best of
 * `--rounds`), and times a one-byte Range (the one segment it touches, opened). A SHA-256 pass
 * over the same bytes is measured beside them: the plaintext hash every write already pays. So
 * are an upload's coordinator (256 KiB segments, hashing the plaintext and keeping the CRC-32
 * of the blob) and a replica's check of its copy (the CRC-32 alone, sealedCopy.ts).
 * In memory on purpose: the disk of this machine swings tenfold and would drown the difference.
 * Usage: npx tsx scripts/bench/blobSegments.ts [--mib 256 --rounds 3]
 */
const mib = Number(arg('mib', '256'));
const rounds = Number(arg('rounds', '3'));
const keyring = MasterKeyring.fromKeys([Buffer.alloc(32, 1)]);
const CHUNK = 64 * 1024;
const chunk = Buffer.alloc(CHUNK, 'geovault');
const total = mib * 1024 * 1024;

function seal(segmentSize: number, opts: { hash?: boolean; crc32?: boolean } = {}): Buffer[] {
  const sealer = new BlobSealer(keyring.current, { segmentSize, ...opts });
  const out: Buffer[] = [];
  for (let sent = 0; sent < total; sent += CHUNK) sealer.update(chunk, (b) => out.push(b));
  sealer.end((b) => out.push(b));
  return out;
}

function best(run: () => void): number {
  let fastest = Infinity;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    run();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

const mbps = (ms: number) => Math.round(total / 1e6 / (ms / 1000));
const results: Record<string, unknown> = {};
results.sha256MBps = mbps(best(() => {
  const hash = createHash('sha256');
  for (let sent = 0; sent < total; sent += CHUNK) hash.update(chunk);
  hash.digest();
}));
results.crc32MBps = mbps(best(() => {
  let crc = 0;
  for (let sent = 0; sent < total; sent += CHUNK) crc = crc32(chunk, crc);
}));
results.coordinatorSealMBps = mbps(best(() => seal(256 * 1024, { hash: true, crc32: true })));
for (const segmentSize of [64 * 1024, 256 * 1024, 1024 * 1024]) {
  let sealed: Buffer[] = [];
  const sealMs = best(() => {
    sealed = seal(segmentSize);
  });
  const blob = Buffer.concat(sealed);
  sealed = [];
  const openMs = best(() => {
    const opener = new BlobOpener({ keys: keyring, output: 'plaintext' });
    for (let at = 0; at < blob.length; at += CHUNK) opener.update(blob.subarray(at, at + CHUNK), () => undefined);
    opener.end(() => undefined);
  });
  // One byte in the middle: the one segment that holds it is read and opened.
  const middle = Math.floor(total / 2);
  const span = segmentSpan(middle, middle, total, segmentSize);
  const bytes = Buffer.concat([blob.subarray(0, HEADER_BYTES), blob.subarray(span.from, span.to)]);
  const rangeMs = best(() => {
    for (let i = 0; i < 100; i++) {
      const opener = new BlobOpener({ keys: keyring, output: 'plaintext', span: { first: span.first, last: span.last, blobLast: lastSegmentIndex(total, segmentSize) }, skip: span.skip, length: 1 });
      opener.update(bytes, () => undefined);
      opener.end(() => undefined);
    }
  }) / 100;
  results[`${segmentSize / 1024}KiB`] = { sealMBps: mbps(sealMs), openMBps: mbps(openMs), oneByteRangeMs: Math.round(rangeMs * 1000) / 1000, rangeReadBytes: span.to - span.from };
}
console.log(JSON.stringify({ bench: 'blobSegments', mib, rounds, ...results }));
