// The tus side of bench:resumable, each run in a plain `node` process of its own, as
// transferClient.mjs does for the single-request side (a shared heap with tsx skews rates).
//
//   node resumableClient.mjs source <file> <mib> <seed>
//   node resumableClient.mjs tus <endpoint> <mib> <seed> <chunkMiB> <headersJson> <file|node-file|stream> [sourceFile]
//   node resumableClient.mjs small <tus|tus-one-request|single> <baseUrl> <count> <bytes> <concurrency> [headersJson]
//
// Prints one JSON line (MB = 10^6 bytes). `source`: { bytes }, the payload written to a file and
// fsynced (a user's file is on disk, and its write-back must not run beside an upload). `tus`:
// { MBps, bytes, itemId, patchMs, cpuSeconds, machineIdleShare } (patchMs: per PATCH, from the
// answer before it to its own; the rest, what the upload cost this machine: clientUsage.mjs).
// `small`: { perSecond, ms }.
// Where tus-js-client reads the file from (`source` wrote it):
// - file: each chunk streamed from the file a MiB at a time into a buffer kept for the whole
//   upload (streamingFileReader), as a browser sends a File's slice: the page's script touches
//   no byte. This is what the server side is measured with: the client shares this 2-core
//   machine's cores, so it must cost about what the single-request client does.
// - node-file: tus-js-client's own Node FileSource, which pipes every chunk through a fresh
//   64 KiB read stream and a progress transform.
// - stream: from a stream, which tus-js-client copies out chunk by chunk through read(size),
//   30–40 ms per 8 MiB in this process between the gateway's answer and the next PATCH.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tus from 'tus-js-client';
import { usageMark, usageSince } from './clientUsage.mjs';
import { CHUNK, payload, runAsScript } from './transferClient.mjs';

const rate = (bytes, startedAt) => bytes / 1e6 / ((performance.now() - startedAt) / 1000);

/** What a chunk's stream reads from the file at a time. */
const PIECE = 1024 * 1024;

/**
 * A tus-js-client `fileReader` that streams each chunk from the file into one buffer kept for
 * the whole upload, a MiB at a time, as a browser streams a File's slice from its own buffers.
 * tus-js-client's Node file source allocates a fresh 64 KiB buffer per read and pipes it through
 * a progress transform: on this VM, where the host takes freed guest memory back, its page
 * faults cost 1.7–4.5 s of client CPU per GiB against a server that discards the bytes, where
 * this costs ~0.9 (as the single-request client does). Reading a chunk whole before its request
 * went out cost the same little CPU but ~5 ms per 8 MiB PATCH before its first byte.
 * The buffer is reused by the next chunk: tus-js-client asks for it only once the last
 * chunk's request has been answered (the bench runs without retries).
 */
function streamingFileReader(file, chunkSize) {
  return {
    async openFile() {
      const handle = await fs.promises.open(file, 'r');
      const { size } = await handle.stat();
      const buffer = Buffer.allocUnsafeSlow(Math.min(chunkSize, size));
      return {
        size,
        async slice(start, end) {
          const last = Math.min(end, size);
          let at = start;
          const value = new Readable({
            highWaterMark: PIECE,
            read() {
              if (at >= last) return void this.push(null);
              const piece = buffer.subarray(at - start, Math.min(last, at + PIECE) - start);
              handle.read(piece, 0, piece.length, at).then(
                ({ bytesRead }) => {
                  if (bytesRead === 0) return void this.destroy(new Error(`${file} ended at ${at} bytes`));
                  at += bytesRead;
                  this.push(piece.subarray(0, bytesRead));
                },
                (error) => this.destroy(error),
              );
            },
          });
          value.size = last - start;
          return { value, done: last >= size };
        },
        close() {
          void handle.close();
        },
      };
    },
  };
}

/** tus-js-client, never the whole file in memory. */
function tusUpload(endpoint, source, size, { chunkSize, headers, metadata, uploadDataDuringCreation = false, fileReader, onChunkComplete }) {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(source, {
      endpoint,
      chunkSize,
      uploadSize: size,
      headers,
      metadata,
      uploadDataDuringCreation,
      ...(fileReader ? { fileReader } : {}),
      ...(onChunkComplete ? { onChunkComplete } : {}),
      retryDelays: null,
      onSuccess: ({ lastResponse }) => resolve(lastResponse.getHeader('X-GeoVault-Item-Id') ?? null),
      onError: reject,
    });
    upload.start();
  });
}

async function writeSource(file, mib, seed) {
  await pipeline(payload(mib, seed), fs.createWriteStream(file));
  const handle = await fs.promises.open(file, 'r');
  await handle.sync();
  await handle.close();
  return { bytes: mib * CHUNK };
}

async function big(endpoint, mib, seed, chunkMiB, headers, how, sourceFile) {
  const bytes = mib * CHUNK;
  if (how !== 'stream' && fs.statSync(sourceFile).size !== bytes) throw new Error(`${sourceFile} does not hold the ${mib} MiB to send`);
  const source = how === 'stream' ? payload(mib, seed) : fs.createReadStream(sourceFile);
  const fileReader = how === 'file' ? streamingFileReader(sourceFile, chunkMiB * CHUNK) : undefined;
  try {
    const startedAt = performance.now();
    const mark = usageMark();
    // From one PATCH's answer to the next one's: the client's own time per chunk, all of it.
    const patchMs = [];
    let lastAnswer = startedAt;
    const onChunkComplete = () => {
      const now = performance.now();
      patchMs.push(now - lastAnswer);
      lastAnswer = now;
    };
    const itemId = await tusUpload(endpoint, source, bytes, { chunkSize: chunkMiB * CHUNK, headers, metadata: { filename: `tus-${seed}.bin` }, fileReader, onChunkComplete });
    return { MBps: rate(bytes, startedAt), bytes, itemId, patchMs, ...usageSince(mark) };
  } finally {
    source.destroy();
  }
}

/** What the dashboard's single-request path sends: multipart with the file. */
async function single(baseUrl, name, body, headers) {
  const form = new FormData();
  form.append('file', new Blob([body]), name);
  const res = await fetch(`${baseUrl}/api/files/upload`, { method: 'POST', headers, body: form });
  if (res.status !== 201) throw new Error(`single upload answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

/** `count` files of `bytes` each, `concurrency` at a time (the dashboard runs 2). */
async function small(how, baseUrl, count, bytes, concurrency, headers) {
  const bodies = Array.from({ length: count }, () => crypto.randomBytes(bytes));
  const run = crypto.randomBytes(4).toString('hex');
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const name = `small-${how}-${run}-${i}.bin`;
        if (how === 'single') await single(baseUrl, name, bodies[i], headers);
        else await tusUpload(`${baseUrl}/api/uploads`, bodies[i], bytes, { chunkSize: 8 * CHUNK, headers, metadata: { filename: name }, uploadDataDuringCreation: how === 'tus-one-request' });
      }
    }),
  );
  const ms = performance.now() - startedAt;
  return { perSecond: count / (ms / 1000), ms: Math.round(ms) };
}

async function main([command, ...args]) {
  switch (command) {
    case 'source':
      return writeSource(args[0], Number(args[1]), args[2]);
    case 'tus':
      return big(args[0], Number(args[1]), args[2], Number(args[3]), JSON.parse(args[4]), args[5], args[6]);
    case 'small':
      return small(args[0], args[1], Number(args[2]), Number(args[3]), Number(args[4]), JSON.parse(args[5] ?? '{}'));
    default:
      throw new Error(`unknown command ${command}: source | tus | small`);
  }
}

runAsScript(import.meta.url, main);
