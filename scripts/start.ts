import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import path from 'node:path';
import { prettyFactory } from 'pino-pretty';
import { loadClusterConfig } from '../node/src/config/clusterConfig';
import { readCommonEnv } from '../common/config/env';
import { buildServer, processEnv, processFlags } from './buildServer.mjs';
import { buildDashboardIfStale } from './buildDashboard.mjs';

/**
 * `npm start`: every process of GeoVault on this machine, with prefixed, readable logs.
 * Children are started with an IPC channel; each exits by itself if this supervisor dies,
 * so no process is ever orphaned, and Ctrl-C / SIGTERM stops them all in order. A process
 * that dies after it came up is restarted, sooner the first times, then at most every 30 s:
 * a crashed region must not stay down until someone notices.
 */

const root = path.resolve(import.meta.dirname, '..');
const COLORS = [36, 35, 33, 32, 34, 31];
const prettify = prettyFactory({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' });

interface Child {
  name: string;
  args: string[];
  index: number;
  proc: ChildProcess;
  ready: boolean;
  url?: string;
  /** Restarts in a row without staying up for STABLE_MS in between. */
  crashes: number;
  startedAt: number;
}

const STABLE_MS = 60_000;
const MAX_RESTART_DELAY_MS = 30_000;

const env = readCommonEnv();
const cluster = loadClusterConfig(env.configDir, env.profile);
const children: Child[] = [];
let stopping = false;

function prefix(name: string, index: number): string {
  const label = name.padEnd(8);
  return process.stdout.isTTY ? `\x1b[${COLORS[index % COLORS.length]}m${label}\x1b[0m│ ` : `${label}| `;
}

function startChild(name: string, args: string[], index: number): Child {
  const child: Child = { name, args, index, proc: undefined as unknown as ChildProcess, ready: false, crashes: 0, startedAt: 0 };
  spawnChild(child);
  return child;
}

function spawnChild(child: Child): void {
  const proc = spawn(process.execPath, [...processFlags(child.name === 'gateway' ? 'gateway' : 'node'), ...child.args], {
    cwd: root,
    env: processEnv(process.env),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.proc = proc;
  child.startedAt = Date.now();
  const tag = prefix(child.name, child.index);
  const onLine = (line: string) => {
    let parsed: { msg?: string; url?: string } | undefined;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    process.stdout.write(tag + (parsed ? prettify(line).trimEnd() : line) + '\n');
    if (parsed?.url && !child.ready) {
      child.ready = true;
      child.url = parsed.url;
      announceWhenAllReady();
    }
  };
  readline.createInterface({ input: proc.stdout! }).on('line', onLine);
  readline.createInterface({ input: proc.stderr! }).on('line', onLine);
  proc.on('exit', (code, signal) => {
    if (stopping) return;
    process.stdout.write(`${tag}exited (${signal ?? `code ${code}`})\n`);
    if (!child.ready) {
      process.stdout.write(`geovault: ${child.name} failed to start; stopping everything.\n`);
      void stopAll(1);
      return;
    }
    child.crashes = Date.now() - child.startedAt >= STABLE_MS ? 1 : child.crashes + 1;
    const delay = Math.min(MAX_RESTART_DELAY_MS, 1_000 * 2 ** (child.crashes - 1));
    process.stdout.write(`geovault: restarting ${child.name} in ${delay / 1000} s\n`);
    setTimeout(() => {
      if (!stopping) spawnChild(child);
    }, delay);
  });
}

function announceWhenAllReady(): void {
  if (!children.every((c) => c.ready)) return;
  const gateway = children.find((c) => c.name === 'gateway');
  const lines = children.filter((c) => c !== gateway).map((c) => `  node ${c.name.padEnd(8)} ${c.url}`);
  process.stdout.write(
    [
      '',
      `GeoVault is up (${cluster.profile} profile, data in ${path.relative(root, env.dataDir) || '.'}).`,
      '',
      `  Dashboard:  ${gateway?.url}/`,
      `  Mailbox:    ${gateway?.url}/mailbox   (sign-up and login codes land here)`,
      `  Mesh:       ${gateway?.url}/nodes`,
      ...lines,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\ngeovault: stopping…\n');
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.proc.exitCode !== null || child.proc.signalCode !== null) return resolve();
          const force = setTimeout(() => child.proc.kill('SIGKILL'), 6_000);
          child.proc.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.proc.kill('SIGTERM');
        }),
    ),
  );
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

process.stdout.write('geovault: building…\n');
buildDashboardIfStale();
await buildServer();
[...cluster.nodes.keys()].forEach((id, index) => {
  children.push(startChild(id, ['dist/node.mjs', id], index));
});
children.push(startChild('gateway', ['dist/gateway.mjs'], cluster.nodes.size));
