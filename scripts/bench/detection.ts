import type { NodeEvent } from '../../node/src/api/events';
import { buildServer } from '../buildServer.mjs';
import { NodeCluster } from '../../test/support/nodeCluster';
import { waitFor } from '../../test/support/waitFor';
import { watchNode } from './nodeEvents';
import { percentile, round1 } from './stats';
import { numberArg } from './args';

/**
 * SWIM on the wan profile, with real processes:
 *  1. detection: kill -9 a node (or --via pause) → time until both survivors hold it `dead` (target < 3 s);
 *  2. false deaths: every link at 10 % loss for N minutes → transitions to `dead` (target 0),
 *     and the highest Lifeguard local-health score any node reached meanwhile (0 = never
 *     doubted itself; loss alone should barely move it, as helpers nack).
 * Between trials the mesh settles (--settle seconds): a node just restarted has young RTT
 * estimates (RFC 6298 starts RTTVAR at half the first sample), so for ~10 s its probe
 * timeouts are deliberately long; the target is about a steady mesh.
 * Usage: npm run bench:detection [-- --trials 6 --minutes 1 --settle 10]   (--minutes 10 for the long run)
 */
const trials = numberArg('trials', 6);
const minutes = numberArg('minutes', 1);
const settleSeconds = numberArg('settle', 10);
// kill: kill -9 (sockets reset, a hint SWIM uses to probe at once); pause: the node freezes
// behind the link simulator with its sockets open, so only SWIM's own probes can tell.
const via = process.argv.includes('--via') ? process.argv[process.argv.indexOf('--via') + 1] : 'kill';
if (via !== 'kill' && via !== 'pause') throw new Error('--via kill|pause');

await buildServer();
const cluster = await NodeCluster.create({ profile: 'wan', env: { GEOVAULT_LOG_LEVEL: 'warn' } });
const memberEvents: Array<{ observer: string; event: Extract<NodeEvent, { type: 'member' }>; at: number }> = [];
const sockets = new Map<string, Awaited<ReturnType<typeof watchNode>>>();

async function watch(id: string): Promise<void> {
  sockets.get(id)?.close();
  sockets.set(
    id,
    await watchNode(cluster, id, (event, at) => {
      if (event.type === 'member') memberEvents.push({ observer: id, event, at });
    }),
  );
}

try {
  await cluster.startAll();
  for (const id of cluster.ids) await watch(id);
  await waitFor('all alive', () => cluster.allAlive(), { timeoutMs: 20_000 });

  const detections: number[] = [];
  // The survivors' Lifeguard scores when the victim went: a score n stretches their probe
  // timeouts (n + 1)×, which is what an outlier in detection time should be read against.
  const healthAtKill: number[][] = [];
  for (let trial = 0; trial < trials; trial++) {
    await new Promise((r) => setTimeout(r, settleSeconds * 1000));
    const victim = cluster.ids[trial % cluster.ids.length]!;
    const survivors = cluster.ids.filter((id) => id !== victim);
    healthAtKill.push(await Promise.all(survivors.map(async (id) => (await cluster.status(id)).membership?.localHealth.score ?? 0)));
    if (via === 'kill') sockets.get(victim)?.close();
    const from = memberEvents.length;
    const killedAt = performance.now();
    if (via === 'kill') await cluster.kill(victim);
    else await cluster.request(victim, 'POST', '/v1/faults', { paused: true });
    const deadAt = await waitFor(
      `${victim} dead on ${survivors.join(' and ')}`,
      () => {
        const times = survivors.map(
          (observer) =>
            memberEvents.slice(from).find((e) => e.observer === observer && e.event.peer === victim && e.event.to === 'dead')?.at,
        );
        return times.every((t) => t !== undefined) ? Math.max(...(times as number[])) : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 5 },
    );
    detections.push(deadAt - killedAt);
    if (via === 'kill') {
      await cluster.start(victim);
      await watch(victim);
    } else {
      await cluster.request(victim, 'POST', '/v1/faults', { clear: true });
    }
    await waitFor('all alive again', () => cluster.allAlive(), { timeoutMs: 30_000 });
  }

  // Let the mesh settle, then put every link at 10 % loss and count transitions.
  await new Promise((r) => setTimeout(r, 2_000));
  const lossFrom = memberEvents.length;
  for (const id of cluster.ids) await cluster.request(id, 'POST', '/v1/faults', { lossPercent: 10 });
  let localHealthMax = 0;
  const lossEnds = Date.now() + minutes * 60_000;
  while (Date.now() < lossEnds) {
    await new Promise((r) => setTimeout(r, Math.min(2_000, Math.max(0, lossEnds - Date.now()))));
    for (const id of cluster.ids) localHealthMax = Math.max(localHealthMax, (await cluster.status(id)).membership?.localHealth.score ?? 0);
  }
  for (const id of cluster.ids) await cluster.request(id, 'POST', '/v1/faults', { clear: true });
  const duringLoss = memberEvents.slice(lossFrom);
  const count = (to: string) => duringLoss.filter((e) => e.event.to === to && e.event.from !== to).length;

  const inTrialOrder = detections.map(round1);
  detections.sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({
      bench: 'detection',
      profile: 'wan',
      trials,
      via,
      settleSeconds,
      detectionMs: {
        p50: round1(percentile(detections, 50)),
        max: round1(detections[detections.length - 1]!),
        // Trial by trial, with the survivors' local-health scores at the kill.
        all: inTrialOrder,
        survivorsLocalHealthAtKill: healthAtKill,
      },
      targetMs: 3000,
      meetsDetectionTarget: detections[detections.length - 1]! < 3000,
      loss: {
        percent: 10,
        minutes,
        falseDeaths: count('dead'),
        suspicions: count('suspect'),
        refutedSuspicions: duringLoss.filter((e) => e.event.from === 'suspect' && e.event.to === 'alive').length,
        localHealthMax,
      },
      meetsFalseDeathTarget: count('dead') === 0,
    }) + '\n',
  );
} finally {
  for (const ws of sockets.values()) ws.close();
  await cluster.close();
}
