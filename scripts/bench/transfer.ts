import { spawn } from 'node:child_process';
import path from 'node:path';

export { CHUNK, payload } from './transferClient.mjs';

const CLIENT = path.join(import.meta.dirname, 'transferClient.mjs');

export interface TransferResult {
  MBps: number;
  bytes: number;
  status: number;
  body?: string;
}

/** Runs one measured transfer in its own plain `node` process (see transferClient.mjs). */
export function runTransfer(args: string[]): Promise<TransferResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as TransferResult) : reject(new Error(`transfer ${args[0]} failed (${code}): ${err.trim()}`))));
  });
}

/** The disk's limit for a 3-replica write of `mib` MiB: three files at once, each fsynced. */
export async function tripleWriteMBps(dir: string, mib: number, seed: string): Promise<number> {
  return (await runTransfer(['triple-write', dir, String(mib), seed])).MBps;
}
