import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

export { CHUNK, payload } from './transferClient.mjs';

const CLIENT = path.join(import.meta.dirname, 'transferClient.mjs');

export interface TransferResult {
  MBps: number;
  bytes: number;
  status: number;
  body?: string;
  /** Uploads: the client's CPU seconds and the machine's idle share during the transfer (clientUsage.mjs). */
  cpuSeconds?: number;
  machineIdleShare?: number | null;
}

/** Runs one measured transfer in its own plain `node` process (see transferClient.mjs). */
export function runTransfer(args: string[]): Promise<TransferResult> {
  return runClientScript<TransferResult>(CLIENT, args);
}

/** Runs a bench client script in a plain `node` process of its own; the JSON it prints. */
export function runClientScript<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`${path.basename(script)} ${args[0]} failed (${code}): ${err.trim()}`))));
  });
}

/** Writes back dirty pages, so that one measurement does not pay for the last one's writes. */
export function settleDisk(): void {
  try {
    execFileSync('sync');
  } catch {
    // Not on this platform: the rounds are only noisier.
  }
}

/** The disk's limit for a 3-replica write of `mib` MiB: three files at once, each fsynced. */
export async function tripleWriteMBps(dir: string, mib: number, seed: string): Promise<number> {
  return (await runTransfer(['triple-write', dir, String(mib), seed])).MBps;
}
