import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signRequest } from '../common/signing/requestSigning';
import { NodeCluster } from './support/nodeCluster';
import { freePort } from './support/ports';
import { waitFor } from './support/waitFor';

const root = path.resolve(import.meta.dirname, '..');

interface Started {
  name: string;
  proc: ChildProcess;
  output: string[];
}

/**
 * The four processes started at once, as a process manager (or four terminals) would, with
 * `npm run node -- <id>` and `npm run gateway`'s own script: each builds its bundle if stale and
 * the first start of a data dir races to create the cluster key. Several rounds, every one of
 * which must bring the whole system up.
 */
describe('starting the four processes at once', () => {
  const started: Started[] = [];

  afterAll(() => {
    for (const { proc } of started) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });

  it('brings all four up, round after round, from a fresh data dir and from stale bundles', async () => {
    const cluster = await NodeCluster.create({ profile: 'lan' });
    const gatewayPort = await freePort();
    const sinkPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GEOVAULT_DATA_DIR: cluster.dataDir,
      GEOVAULT_CONFIG_DIR: cluster.configDir,
      GEOVAULT_PROFILE: 'lan',
      GEOVAULT_BCRYPT_COST: '10',
      GATEWAY_PORT: String(gatewayPort),
      GATEWAY_SMTP_SINK_PORT: String(sinkPort),
    };
    delete env.GEOVAULT_CLUSTER_SECRET;

    for (let round = 1; round <= 3; round++) {
      // Round 1 also starts with no bundle list, so all four decide to build at the same time.
      if (round === 1) for (const kind of ['node', 'gateway']) fs.rmSync(path.join(root, 'dist', `${kind}.mjs.inputs.json`), { force: true });
      const processes = [...cluster.ids.map((id) => ['node', id]), ['gateway']].map((args) => {
        const entry: Started = { name: args.join(' '), proc: spawn(process.execPath, ['scripts/runServer.mjs', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] }), output: [] };
        entry.proc.stdout!.on('data', (chunk: Buffer) => entry.output.push(chunk.toString()));
        entry.proc.stderr!.on('data', (chunk: Buffer) => entry.output.push(chunk.toString()));
        started.push(entry);
        return entry;
      });
      const exited = () => processes.find(({ proc }) => proc.exitCode !== null || proc.signalCode !== null);

      await waitFor(`round ${round}: every node to see the other two alive and the gateway to reach them all`, async () => {
        const dead = exited();
        if (dead) throw new Error(`${dead.name} exited (${dead.proc.exitCode ?? dead.proc.signalCode}): ${dead.output.join('').slice(-2000)}`);
        const secret = fs.readFileSync(path.join(cluster.dataDir, 'cluster.key'), 'utf8').trim();
        for (const id of cluster.ids) {
          const res = await fetch(`${cluster.url(id)}/v1/status`, { headers: signRequest(secret, 'gateway', 'GET', '/v1/status') });
          if (!res.ok) return false;
          const status = (await res.json()) as { members: Array<{ id: string; state: string }> };
          if (status.members.filter((m) => m.state === 'alive').length !== cluster.ids.length) return false;
        }
        const mesh = await fetch(`http://127.0.0.1:${gatewayPort}/api/nodes`);
        if (!mesh.ok) return false;
        const { nodes } = (await mesh.json()) as { nodes: Array<{ reachable: boolean; state: string }> };
        return nodes.length === cluster.ids.length && nodes.every((n) => n.reachable && n.state === 'alive');
      }, { timeoutMs: 90_000, intervalMs: 200 });

      // One key for the whole cluster, whoever won the race to create it.
      expect(fs.readFileSync(path.join(cluster.dataDir, 'cluster.key'), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);

      for (const { proc } of processes) proc.kill('SIGTERM');
      await Promise.all(processes.map(({ proc }) => (proc.exitCode !== null || proc.signalCode !== null ? undefined : new Promise((resolve) => proc.once('exit', resolve)))));
      for (const { name, proc } of processes) expect(proc.exitCode, `${name} stopped cleanly`).toBe(0);
    }
    await cluster.close();
  }, 300_000);
});
