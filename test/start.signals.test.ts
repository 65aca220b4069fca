import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/ports';
import { waitFor } from './support/waitFor';

const root = path.resolve(import.meta.dirname, '..');

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Every process below `pid`, from /proc (children first, then theirs). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = /^PPid:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (ppid) parents.set(Number(entry), Number(ppid));
    } catch {
      // Gone since the listing.
    }
  }
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0; ) {
    frontier = [...parents].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...frontier);
  }
  return found;
}

/** `npm start` as a user runs it, on free ports and a temp data dir; stopped by SIGTERM to npm itself. */
describe('npm start', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-start-'));
  let npm: ChildProcess | undefined;

  afterAll(() => {
    // npm runs in a process group of its own: whatever it left behind goes with the group.
    try {
      if (npm?.pid) process.kill(-npm.pid, 'SIGKILL');
    } catch {
      // Nothing left.
    }
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('restarts a node that crashed, and stops the supervisor and every server when npm is sent SIGTERM (kill <pid of npm start>)', async () => {
    const configDir = path.join(base, 'config');
    fs.mkdirSync(configDir);
    const ports: number[] = [];
    let asiaPort = 0;
    let joinerPort = 0;
    for (const name of fs.readdirSync(path.join(root, 'config/nodes'))) {
      const source = path.join(root, 'config/nodes', name);
      if (name === 'links.json') {
        fs.copyFileSync(source, path.join(configDir, name));
        continue;
      }
      const spec = JSON.parse(fs.readFileSync(source, 'utf8'));
      spec.port = await freePort();
      // A node that joins through seeds (sa-east) is not started by npm start.
      if (spec.seeds) joinerPort = spec.port;
      else ports.push(spec.port);
      if (spec.id === 'asia') asiaPort = spec.port;
      fs.writeFileSync(path.join(configDir, name), JSON.stringify(spec));
    }
    const gatewayPort = await freePort();
    const sinkPort = await freePort();
    ports.push(gatewayPort, sinkPort);
    let output = '';
    npm = spawn('npm', ['start'], {
      cwd: root,
      env: {
        ...process.env,
        GEOVAULT_DATA_DIR: path.join(base, 'data'),
        GEOVAULT_CONFIG_DIR: configDir,
        GEOVAULT_PROFILE: 'lan',
        GATEWAY_PORT: String(gatewayPort),
        GATEWAY_SMTP_SINK_PORT: String(sinkPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor('GeoVault to be up', () => output.includes('GeoVault is up'), { timeoutMs: 90_000, intervalMs: 200 });
    for (const port of ports) expect(await listening(port), `port ${port}`).toBe(true);
    expect(joinerPort).toBeGreaterThan(0);
    expect(await listening(joinerPort), 'sa-east (joins live, not started by npm start)').toBe(false);

    // A region that crashes is brought back by the supervisor.
    const asia = descendants(npm.pid!).find((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes('dist/node.mjs asia'));
    expect(asia).toBeDefined();
    process.kill(asia!, 'SIGKILL');
    await waitFor('the supervisor to restart the killed node', () => output.includes('restarting asia in 1 s'), { timeoutMs: 15_000 });
    await waitFor('asia to listen again', () => listening(asiaPort), { timeoutMs: 30_000, intervalMs: 200 });

    const exited = new Promise((resolve) => npm!.once('exit', resolve));
    process.kill(npm.pid!, 'SIGTERM');
    await exited;
    await waitFor('every port to be free', async () => (await Promise.all(ports.map(listening))).every((open) => !open), { timeoutMs: 15_000 });
  }, 150_000);
});
