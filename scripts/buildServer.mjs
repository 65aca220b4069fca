// Bundles each server process (a storage node, the gateway) into one ES module under dist/,
// run with plain `node`: no TypeScript loader in production processes, which saves ~35 MB of
// memory and a second of start-up per process. Dependencies stay in node_modules.
import { build } from 'esbuild';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * How the server processes run (flags to Node.js); each was measured with npm run
 * bench:gateway and bench:upload.
 * - A 4 MB young generation collects the many short-lived network buffers of a stream early:
 *   V8's default (16 MB) let ~165 MB build up in the gateway during a 1 GiB transfer.
 * - --expose-gc lets a process ask for a young-generation GC when dead network buffers pile
 *   up (common/runtime/bufferReclaimer.ts).
 * - An initial old-space limit well above the live heap (gateway ~30 MB, nodes less): after
 *   the first full GCs V8 otherwise set the limit a few MB above the live heap and then, with
 *   a buffer promoted now and then during a long stream, ran a full mark-compact every 300 ms:
 *   three times the gateway's CPU for a 1 GiB upload, downloads at half speed, and the nodes'
 *   upload rate down by a third. Higher than needed only raises peak RSS.
 * - The old generation may grow to twice the live heap before a full GC. V8 chose up to four
 *   times when allocation was fast: under 2,000 small uploads at concurrency 16, each node's
 *   ~20 MB live heap grew to 70–80 MB between GCs (RSS 139–168 MB); now 45 MB (RSS ~115 MB).
 */
const COMMON_FLAGS = ['--enable-source-maps', '--max-semi-space-size=4', '--expose-gc', '--heap-growing-percent=100'];
export const STORAGE_NODE_PROCESS_FLAGS = [...COMMON_FLAGS, '--initial-old-space-size=48'];
export const GATEWAY_PROCESS_FLAGS = [...COMMON_FLAGS, '--initial-old-space-size=64'];

/** The flags for one kind of server process. */
export function processFlags(kind) {
  return kind === 'gateway' ? GATEWAY_PROCESS_FLAGS : STORAGE_NODE_PROCESS_FLAGS;
}

/**
 * glibc's malloc hands freed memory back to the kernel once 128 KiB are free at the top of
 * its heap, and serves blocks of 128 KiB or more with mmap. A stream allocates a fresh buffer
 * for every socket read (64 KiB) and file read (1 MiB) and frees them in batches at each GC,
 * so the memory went back and forth: perf put a third of the gateway's CPU during a download
 * in the kernel's page-fault path zeroing pages (110k faults per GiB). Keeping up to 32 MiB
 * free in the heap (16 MiB was not enough), and 1 MiB blocks in it, reuses the same pages: a
 * few hundred faults, and 40 % less CPU in the gateway's relay. Two arenas instead of one per
 * thread: memory that V8's helper threads and the password-list worker freed is then reused
 * rather than kept in arenas of their own (~8 MB at start).
 * Other C libraries ignore the variable; a GLIBC_TUNABLES already set still wins.
 */
const MALLOC_TUNABLES = 'glibc.malloc.trim_threshold=33554432:glibc.malloc.mmap_threshold=4194304:glibc.malloc.arena_max=2';

/** The environment for a server process: `env` with the malloc tunables above. */
export function processEnv(env) {
  return { ...env, GLIBC_TUNABLES: env.GLIBC_TUNABLES ? `${MALLOC_TUNABLES}:${env.GLIBC_TUNABLES}` : MALLOC_TUNABLES };
}

/**
 * Builds each bundle that is missing or older than one of its sources (the inputs esbuild
 * listed the last time, kept beside the bundle), into a temp file renamed into place. Server
 * processes started together (`npm run node` and `npm run gateway` in four terminals, or a
 * process manager) build at most once, and never load a bundle another one is rewriting: a
 * rewrite in place was read as 0 bytes thousands of times during four concurrent builds.
 */
export async function buildServer({ force = false } = {}) {
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  await Promise.all(
    ['node', 'gateway'].map(async (name) => {
      const outfile = path.join(root, 'dist', `${name}.mjs`);
      const inputsFile = `${outfile}.inputs.json`;
      if (!force && isFresh(outfile, inputsFile)) return;
      const result = await build({
        absWorkingDir: root,
        entryPoints: [`${name}/src/main.ts`],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        sourcemap: 'inline',
        logLevel: 'warning',
        write: false,
        metafile: true,
      });
      writeAtomically(outfile, result.outputFiles[0].contents);
      writeAtomically(inputsFile, JSON.stringify(Object.keys(result.metafile.inputs)));
    }),
  );
}

/** True when the bundle exists and none of the sources it was built from changed since. */
function isFresh(outfile, inputsFile) {
  try {
    const builtAt = fs.statSync(outfile).mtimeMs;
    const inputs = JSON.parse(fs.readFileSync(inputsFile, 'utf8'));
    return inputs.length > 0 && inputs.every((input) => fs.statSync(path.join(root, input)).mtimeMs <= builtAt);
  } catch {
    return false;
  }
}

function writeAtomically(file, contents) {
  const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temp, contents);
  fs.renameSync(temp, file);
}

// `npm run build:server` asks for a build, so it builds whether or not the bundles are stale.
if (process.argv[1] === fileURLToPath(import.meta.url)) await buildServer({ force: true });
