import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { processEnv, processFlags } from '../../scripts/buildServer.mjs';
import { NodeCluster } from './nodeCluster';
import { freePort } from './ports';
import { waitFor } from './waitFor';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * The whole system for end-to-end tests: three real node processes, a real gateway process
 * with its embedded SMTP sink, all on free 127.0.0.1 ports with one temp data dir.
 */
export class GatewayStack {
  private gateway: ChildProcess | undefined;
  private readonly output: string[] = [];

  private constructor(
    readonly cluster: NodeCluster,
    readonly port: number,
    readonly smtpPort: number,
  ) {}

  static async start(opts: { profile?: 'wan' | 'lan'; env?: Record<string, string> } = {}): Promise<GatewayStack> {
    const cluster = await NodeCluster.create({ profile: opts.profile ?? 'lan', env: opts.env });
    const stack = new GatewayStack(cluster, await freePort(), await freePort());
    try {
      await cluster.startAll();
      await stack.startGateway(opts.env ?? {});
    } catch (error) {
      await stack.close();
      throw error;
    }
    return stack;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The gateway's process id (benchmarks read its peak RSS). */
  gatewayPid(): number | undefined {
    return this.gateway?.pid;
  }

  logs(): string {
    return this.output.join('');
  }

  async startGateway(env: Record<string, string> = {}): Promise<void> {
    const proc = spawn(process.execPath, [...processFlags('gateway'), 'dist/gateway.mjs'], {
      cwd: root,
      env: processEnv({
        ...process.env,
        GEOVAULT_DATA_DIR: this.cluster.dataDir,
        GEOVAULT_CONFIG_DIR: this.cluster.configDir,
        GEOVAULT_CLUSTER_SECRET: this.cluster.secret,
        GEOVAULT_PROFILE: this.cluster.profile,
        GEOVAULT_LOG_LEVEL: 'info',
        GEOVAULT_BCRYPT_COST: '10',
        GATEWAY_PORT: String(this.port),
        GATEWAY_SMTP_SINK_PORT: String(this.smtpPort),
        ...env,
      }),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.gateway = proc;
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 2000) this.output.splice(0, this.output.length - 2000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    await waitFor(
      'the gateway to answer /api/nodes with every node usable',
      async () => {
        if (proc.exitCode !== null) throw new Error(`gateway exited with ${proc.exitCode}: ${this.logs()}`);
        return this.seesEveryNodeUsable();
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  }

  /**
   * Whether the gateway would send requests to every node now: it reaches each one's API and
   * no peer holds any dead. A node that was restarted is only back for the gateway once its
   * events socket reconnected (backing off up to 5 s) and the next status poll saw it alive.
   */
  async seesEveryNodeUsable(): Promise<boolean> {
    const res = await fetch(`${this.url}/api/nodes`).catch(() => undefined);
    if (!res?.ok) return false;
    const body = (await res.json()) as { nodes: Array<{ reachable: boolean; state: string }> };
    return body.nodes.length > 0 && body.nodes.every((n) => n.reachable && n.state !== 'dead');
  }

  async stopGateway(): Promise<void> {
    const proc = this.gateway;
    this.gateway = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  async close(): Promise<void> {
    await this.stopGateway();
    await this.cluster.close();
  }
}
