import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signRequest } from '../../common/signing/requestSigning';
import type { NodeStatus } from '../../node/src/api/status';
import { processEnv, processFlags } from '../../scripts/buildServer.mjs';
import { freePort } from './ports';
import { waitFor } from './waitFor';

const root = path.resolve(import.meta.dirname, '../..');
const SHIPPED_CONFIG = path.join(root, 'config/nodes');

interface RunningProcess {
  proc: ChildProcess;
  output: string[];
}

/**
 * Real node processes for multi-process tests: free ports on 127.0.0.1, a temp data dir and
 * config dir, the shipped node files with their ports rewritten, and `close()` that kills
 * everything and removes the temp dirs. Each child exits by itself if the test runner dies.
 */
export class NodeCluster {
  readonly secret = crypto.randomBytes(32).toString('hex');
  private readonly running = new Map<string, RunningProcess>();

  private constructor(
    readonly dataDir: string,
    readonly configDir: string,
    readonly ports: ReadonlyMap<string, number>,
    /** Nodes whose file has `seeds`: they join a running cluster, so startAll leaves them out. */
    readonly joinerIds: readonly string[],
    readonly profile: 'wan' | 'lan',
    private readonly extraEnv: Record<string, string>,
  ) {}

  static async create(opts: { profile?: 'wan' | 'lan'; env?: Record<string, string> } = {}): Promise<NodeCluster> {
    if (!fs.existsSync(path.join(root, 'dist/node.mjs')) || !fs.existsSync(path.join(root, 'dist/gateway.mjs'))) {
      throw new Error('dist/ is not built: run `npm run build:server` (vitest and the benchmarks do it for you)');
    }
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-cluster-'));
    const dataDir = path.join(base, 'data');
    const configDir = path.join(base, 'config');
    fs.mkdirSync(configDir, { recursive: true });
    const ports = new Map<string, number>();
    const joiners = new Map<string, Record<string, unknown>>();
    for (const name of fs.readdirSync(SHIPPED_CONFIG)) {
      const source = path.join(SHIPPED_CONFIG, name);
      if (name === 'links.json') {
        fs.copyFileSync(source, path.join(configDir, name));
        continue;
      }
      const spec = JSON.parse(fs.readFileSync(source, 'utf8'));
      spec.port = await freePort();
      ports.set(spec.id, spec.port);
      if (spec.seeds) joiners.set(name, spec);
      else fs.writeFileSync(path.join(configDir, name), JSON.stringify(spec, null, 2));
    }
    // A joiner's seed is a founding node's address: the shipped one's port is rewritten too.
    const founders = [...ports.keys()].filter((id) => ![...joiners.values()].some((spec) => spec.id === id)).sort();
    for (const [name, spec] of joiners) {
      spec.seeds = [`127.0.0.1:${ports.get(founders.at(-1)!)}`];
      fs.writeFileSync(path.join(configDir, name), JSON.stringify(spec, null, 2));
    }
    const joinerIds = [...joiners.values()].map((spec) => spec.id as string).sort();
    return new NodeCluster(dataDir, configDir, ports, joinerIds, opts.profile ?? 'lan', opts.env ?? {});
  }

  /** The founding nodes (startAll starts these). */
  get ids(): string[] {
    return [...this.ports.keys()].filter((id) => !this.joinerIds.includes(id)).sort();
  }

  url(id: string): string {
    return `http://127.0.0.1:${this.port(id)}`;
  }

  port(id: string): number {
    const port = this.ports.get(id);
    if (!port) throw new Error(`no node ${id} in this cluster`);
    return port;
  }

  /** Starts a node process and waits until it answers a signed status request. */
  async start(id: string, opts: { env?: Record<string, string> } = {}): Promise<void> {
    if (this.running.has(id)) throw new Error(`${id} is already running`);
    const output: string[] = [];
    const proc = spawn(process.execPath, [...processFlags('node'), 'dist/node.mjs', id], {
      cwd: root,
      env: processEnv({
        ...process.env,
        GEOVAULT_DATA_DIR: this.dataDir,
        GEOVAULT_CONFIG_DIR: this.configDir,
        GEOVAULT_CLUSTER_SECRET: this.secret,
        GEOVAULT_PROFILE: this.profile,
        GEOVAULT_LOG_LEVEL: 'info',
        ...this.extraEnv,
        ...opts.env,
      }),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 2000) output.splice(0, output.length - 2000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    this.running.set(id, { proc, output });
    // A node that dies on its own takes its output with it, and the test fails later on a
    // refused connection: printed here, the cause is in the test's output.
    proc.once('exit', (code, signal) => {
      if (this.running.get(id)?.proc !== proc) return;
      process.stderr.write(`${id} exited on its own (${signal ?? `code ${code}`}); its last output:\n${output.slice(-40).join('')}\n`);
    });
    await waitFor(`${id} to answer /v1/status`, async () => {
      if (proc.exitCode !== null) throw new Error(`${id} exited with ${proc.exitCode}: ${output.join('')}`);
      const res = await this.request(id, 'GET', '/v1/status');
      return res.ok;
      // Start-up is a few seconds alone (tsx, module loading); the suite starts several at once on 2 cores.
    }, { timeoutMs: 60_000, intervalMs: 100 });
  }

  async startAll(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.start(id)));
  }

  /** kill -9 (or another signal) and wait for the process to be gone. */
  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const entry = this.running.get(id);
    if (!entry) return;
    this.running.delete(id);
    if (entry.proc.exitCode !== null || entry.proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      entry.proc.once('exit', () => resolve());
      entry.proc.kill(signal);
    });
  }

  /** The OS process id of a running node (benchmarks read its peak RSS from /proc). */
  pid(id: string): number | undefined {
    return this.running.get(id)?.proc.pid;
  }

  /** Started by this cluster and not exited since (a crash counts as not running). */
  isRunning(id: string): boolean {
    const entry = this.running.get(id);
    return entry !== undefined && entry.proc.exitCode === null && entry.proc.signalCode === null;
  }

  /** What a node printed, for assertions on logs and for failure messages. */
  logs(id: string): string {
    return this.running.get(id)?.output.join('') ?? '';
  }

  async request(id: string, method: string, pathAndQuery: string, body?: unknown, opts: { sign?: boolean } = {}): Promise<Response> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = opts.sign === false ? {} : signRequest(this.secret, 'gateway', method, pathAndQuery, { body: text });
    if (text !== undefined) headers['content-type'] = 'application/json';
    return fetch(this.url(id) + pathAndQuery, { method, headers, body: text });
  }

  async status(id: string): Promise<NodeStatus> {
    const res = await this.request(id, 'GET', '/v1/status');
    if (!res.ok) throw new Error(`${id} /v1/status answered ${res.status}`);
    return (await res.json()) as NodeStatus;
  }

  /** The state `observer` holds for `subject`, or undefined when it cannot be asked. */
  async memberState(observer: string, subject: string): Promise<{ state: string; incarnation: number } | undefined> {
    const status = await this.status(observer);
    return status.members.find((m) => m.id === subject);
  }

  /** True when every running node holds every other node alive (and there is no one else). */
  async allAlive(): Promise<boolean> {
    for (const id of this.ids) {
      if (!this.isRunning(id)) return false;
      const { members } = await this.status(id);
      if (members.length !== this.ids.length || !members.every((m) => m.state === 'alive')) return false;
    }
    return true;
  }

  /** kill -9 of every node, keeping the data dir (to unmount what a test mounted in it). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.kill(id, 'SIGKILL')));
  }

  async close(): Promise<void> {
    await this.stopAll();
    fs.rmSync(path.dirname(this.dataDir), { recursive: true, force: true });
  }
}
