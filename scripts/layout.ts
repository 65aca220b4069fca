import fs from 'node:fs';
import path from 'node:path';
import { signRequest } from '../common/signing/requestSigning';
import { readCommonEnv } from '../common/config/env';
import { loadClusterConfig, nodeSpecSchema } from '../node/src/config/clusterConfig';
import type { LayoutAnswer, LayoutChange } from '../node/src/api/layout';

/**
 * `npm run layout -- <command>`: the cluster layout (README: Adding a region), learning from
 * Garage's `layout assign / apply --version`. Every call is signed with the cluster secret
 * and sent to one node, which checks it and writes the next version; the others learn it
 * through the index.
 *
 *   show                    the layout and the nodes that joined and wait to be added
 *   add <node.json>         adds the node of that file (config/nodes/sa-east.json) as active
 *   drain <id>              no new files on it; its files move to the others
 *   activate <id>           a draining node takes files again
 *   remove <id>             a drained node leaves (refused while it holds copies)
 *   decommission <id>       a member that stays dead leaves, so tombstones are collected
 *
 * Options: --node host:port (default: the first founding node of config/nodes), --version N
 * (apply only if N is the next version, as `garage layout apply --version`). The secret is
 * GEOVAULT_CLUSTER_SECRET, else <GEOVAULT_DATA_DIR or vhd_storage>/cluster.key.
 */
const env = readCommonEnv();

function fail(message: string): never {
  process.stderr.write(`layout: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv: string[]): { command: string; arg?: string; node?: string; version?: number } {
  const rest: string[] = [];
  let node: string | undefined;
  let version: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--node') node = argv[++i];
    else if (argv[i] === '--version') version = Number(argv[++i]);
    else rest.push(argv[i]!);
  }
  if (version !== undefined && !(Number.isInteger(version) && version > 0)) fail('--version takes a positive integer');
  const [command, arg] = rest;
  if (!command) fail('usage: npm run layout -- show | add <node.json> | drain <id> | activate <id> | remove <id> | decommission <id> [--node host:port] [--version N]');
  return { command, arg, node, version };
}

function secret(): string {
  if (env.clusterSecret) return env.clusterSecret;
  const file = path.join(env.dataDir, 'cluster.key');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fail(`no GEOVAULT_CLUSTER_SECRET and ${file} cannot be read (a node creates it on its first start)`);
  }
}

function defaultNode(): string {
  const cluster = loadClusterConfig(env.configDir, env.profile);
  const first = [...cluster.nodes.values()][0]!;
  return `${first.host}:${first.port}`;
}

async function call(node: string, method: string, pathname: string, body?: unknown): Promise<LayoutAnswer> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { ...signRequest(secret(), 'admin', method, pathname, { body: text }) };
  if (text) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`http://${node}${pathname}`, { method, headers, body: text, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    fail(`${node} cannot be reached (${(error as Error).message})`);
  }
  const answer = (await res.json().catch(() => ({}))) as LayoutAnswer & { error?: { code: string; message: string } };
  if (!res.ok) fail(`${node} refused (${res.status} ${answer.error?.code ?? ''}): ${answer.error?.message ?? 'no message'}`);
  return answer;
}

function changeFor(command: string, arg: string | undefined): LayoutChange {
  if (!arg) fail(`${command} needs ${command === 'add' ? 'a node file' : 'a node id'}`);
  if (command === 'add') {
    let spec;
    try {
      spec = nodeSpecSchema.parse(JSON.parse(fs.readFileSync(path.resolve(arg), 'utf8')));
    } catch (error) {
      fail(`${arg}: not a node file (${(error as Error).message.split('\n')[0]})`);
    }
    const { id, label, region, lat, lon, host, port } = spec;
    return { op: 'add', node: { id, label, region, lat, lon, host, port } };
  }
  if (command === 'drain' || command === 'activate' || command === 'remove' || command === 'decommission') return { op: command, id: arg };
  fail(`unknown command "${command}"`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const node = args.node ?? defaultNode();
  const current = await call(node, 'GET', '/v1/layout');
  if (args.command === 'show') {
    process.stdout.write(JSON.stringify(current, null, 2) + '\n');
    return;
  }
  const change = changeFor(args.command, args.arg);
  const version = args.version ?? current.layout.version + 1;
  const applied = await call(node, 'POST', '/v1/layout', { version, changes: [change] });
  process.stdout.write(JSON.stringify({ applied: change, ...applied }, null, 2) + '\n');
}

main().catch((error: unknown) => fail((error as Error).stack ?? String(error)));
