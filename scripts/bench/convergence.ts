import { loadClusterConfig } from '../../node/src/config/clusterConfig';
import { buildServer } from '../buildServer.mjs';
import { NodeCluster } from '../../test/support/nodeCluster';
import { waitFor } from '../../test/support/waitFor';
import { watchNode } from './nodeEvents';
import { percentile, round1 } from './stats';

/**
 * How long a new fact takes to reach all three nodes on the wan profile: from the moment its
 * origin applied it until the last node has (both seen on WS /v1/events, so one clock and the
 * same loopback hop on both ends). The client's own request time is reported beside it.
 * Baseline: the slowest one-way link delay of the profile; target p99 ≤ baseline + 50 ms.
 * Usage: npm run bench:convergence [-- --writes 300]
 */
const writes = Number(process.argv[process.argv.indexOf('--writes') + 1]) || 300;

await buildServer();
const cluster = await NodeCluster.create({ profile: 'wan', env: { GEOVAULT_LOG_LEVEL: 'warn' } });
try {
  await cluster.startAll();
  const applied = new Map<string, Map<string, number>>();
  const sockets = await Promise.all(
    cluster.ids.map((id) =>
      watchNode(cluster, id, (event, at) => {
        if (event.type !== 'index') return;
        for (const key of event.keys) {
          const seen = applied.get(key) ?? new Map<string, number>();
          if (!seen.has(id)) seen.set(id, at);
          applied.set(key, seen);
        }
      }),
    ),
  );
  await waitFor('all alive', () => cluster.allAlive());

  const latencies: number[] = [];
  const fromRequest: number[] = [];
  const perOrigin: Record<string, number[]> = {};
  for (let i = 0; i < writes; i++) {
    const origin = cluster.ids[i % cluster.ids.length]!;
    const key = `kv/bench-${i}`;
    const sentAt = performance.now();
    const res = await cluster.request(origin, 'PUT', `/v1/kv/bench-${i}`, { value: i });
    if (!res.ok) throw new Error(`write ${i} failed with ${res.status}`);
    const seen = await waitFor(`${key} on all nodes`, () => (applied.get(key)?.size === cluster.ids.length ? applied.get(key) : undefined), {
      timeoutMs: 10_000,
      intervalMs: 2,
    });
    const lastApplied = Math.max(...seen.values());
    const ms = lastApplied - seen.get(origin)!;
    latencies.push(ms);
    fromRequest.push(lastApplied - sentAt);
    (perOrigin[origin] ??= []).push(ms);
  }
  for (const ws of sockets) ws.close();

  const links = loadClusterConfig(cluster.configDir, 'wan');
  let slowest = 0;
  for (const a of cluster.ids) for (const b of cluster.ids) if (a < b) slowest = Math.max(slowest, links.linkBetween(a, b).delayMs);
  latencies.sort((a, b) => a - b);
  fromRequest.sort((a, b) => a - b);
  const p99 = percentile(latencies, 99);
  process.stdout.write(
    JSON.stringify({
      bench: 'convergence',
      profile: 'wan',
      writes,
      p50Ms: round1(percentile(latencies, 50)),
      p99Ms: round1(p99),
      maxMs: round1(latencies[latencies.length - 1]!),
      fromClientRequestMs: { p50: round1(percentile(fromRequest, 50)), p99: round1(percentile(fromRequest, 99)) },
      p99ByOriginMs: Object.fromEntries(
        Object.entries(perOrigin).map(([origin, values]) => [origin, round1(percentile(values.sort((a, b) => a - b), 99))]),
      ),
      baseline: { slowestOneWayLinkMs: slowest },
      targetP99Ms: slowest + 50,
      meetsTarget: p99 <= slowest + 50,
    }) + '\n',
  );
} finally {
  await cluster.close();
}
