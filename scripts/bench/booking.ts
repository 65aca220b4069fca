import { buildServer } from '../buildServer.mjs';
import { GatewayStack } from '../../test/support/gatewayStack';
import { signUpAndLogIn } from '../../test/support/gatewayUser';
import { percentile, round1 } from './stats';
import { numberArg } from './args';

/**
 * SkillShare under contention, through the real gateway process: `--requests` booking requests
 * sent at once for the same last seat (a private lesson), each with its own Idempotency-Key.
 * Exactly one may win. Prints client-side latency p50/p99 and the outcome counts. Bookings
 * are rate-limited per user (20 a minute), so the requests come from as many students as that
 * takes, as they would in real life.
 * Usage: npm run bench:booking [-- --requests 100 --rounds 3] (sign-ups from one address are
 * rate-limited too: beyond about 400 requests in all, the students cannot all sign up)
 */
const requests = numberArg('requests', 100);
const rounds = numberArg('rounds', 3);

await buildServer();
const stack = await GatewayStack.start({ profile: 'lan', env: { GEOVAULT_LOG_LEVEL: 'warn' } });
try {
  const BOOKINGS_PER_STUDENT = 20;
  const students = await Promise.all(Array.from({ length: Math.ceil((requests * rounds) / BOOKINGS_PER_STUDENT) }, () => signUpAndLogIn(stack.url)));
  const { courses } = (await (await fetch(`${stack.url}/api/skillshare/courses`)).json()) as { courses: Array<{ id: string; capacity: number; teacherId: string }> };
  const privateCourse = courses.find((c) => c.capacity === 1)!;
  const detail = (await (await fetch(`${stack.url}/api/skillshare/teachers/${privateCourse.teacherId}?tz=UTC`)).json()) as {
    slots: Array<{ courseId: string; start: string }>;
  };
  const slots = detail.slots.filter((s) => s.courseId === privateCourse.id);
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  for (let round = 0; round < rounds; round++) {
    const slot = slots[round * 3]!;
    const results = await Promise.all(
      Array.from({ length: requests }, async (_, i) => {
        const student = students[(round * requests + i) % students.length]!;
        const started = performance.now();
        const res = await student.call('POST', '/api/skillshare/booking', {
          json: { courseId: slot.courseId, start: slot.start },
          headers: { 'idempotency-key': crypto.randomUUID() },
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - started);
        return res.status;
      }),
    );
    for (const status of results) outcomes[status] = (outcomes[status] ?? 0) + 1;
    if (results.filter((s) => s === 201).length !== 1) throw new Error(`round ${round}: ${results.filter((s) => s === 201).length} winners`);
    if (results.includes(429)) throw new Error(`round ${round}: rate-limited; the bench needs more students`);
  }
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({
      bench: 'booking',
      concurrentRequests: requests,
      rounds,
      latencyMs: { p50: round1(percentile(latencies, 50)), p99: round1(percentile(latencies, 99)), max: round1(latencies[latencies.length - 1]!) },
      outcomes,
      winnersPerRound: 1,
    }) + '\n',
  );
} finally {
  await stack.close();
}
