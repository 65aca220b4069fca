import { GatewayStack } from '../../test/support/gatewayStack';
import { signUpAndLogIn, type ApiUser } from '../../test/support/gatewayUser';
import { peakRssMb } from './procStats';
import { round1 } from './nodeEvents';
import { allReplicasStored, downloadMBps, median, settleDisk, uploadThroughGateway } from './gatewayTransfers';

/**
 * bench:gateway -- --encryption both: the same large file up and down through the gateway, on
 * a stack with encryption at rest and one without, side by side in one run, alternating which
 * goes first each round (issue 15: target ≥ 0.9× both ways; peak RSS unchanged).
 */
type Mode = 'off' | 'on';

export async function compareGatewayEncryption(opts: { mib: number; rounds: number; profile: 'lan' | 'wan'; seed: string }): Promise<Record<string, unknown>> {
  const env = (mode: Mode) => ({ GEOVAULT_LOG_LEVEL: 'warn', GEOVAULT_QUOTA_BYTES: String(64 * 1024 ** 3), GEOVAULT_ENCRYPTION: mode });
  const stacks: Partial<Record<Mode, GatewayStack>> = {};
  try {
    stacks.off = await GatewayStack.start({ profile: opts.profile, env: env('off') });
    stacks.on = await GatewayStack.start({ profile: opts.profile, env: env('on') });
    const users: Record<Mode, ApiUser> = { off: await signUpAndLogIn(stacks.off.url), on: await signUpAndLogIn(stacks.on.url) };
    const samples: Record<Mode, Array<{ up: number; down: number }>> = { off: [], on: [] };
    for (let round = 0; round < opts.rounds; round++) {
      for (const mode of (round % 2 === 0 ? ['off', 'on'] : ['on', 'off']) as Mode[]) {
        const stack = stacks[mode]!;
        const user = users[mode];
        settleDisk();
        const { MBps: up, fileId } = await uploadThroughGateway(stack.url, user, opts.mib, opts.seed);
        await allReplicasStored(user, fileId);
        settleDisk();
        const down = await downloadMBps(`${stack.url}/api/files/download/${fileId}`, opts.mib, { authorization: `Bearer ${user.token}` });
        const deleted = await user.call('DELETE', `/api/files/delete/${fileId}`);
        if (!deleted.ok) throw new Error(`delete answered ${deleted.status}`);
        samples[mode].push({ up, down });
      }
      const [off, on] = [samples.off.at(-1)!, samples.on.at(-1)!];
      process.stderr.write(`round ${round + 1}/${opts.rounds}: upload off ${round1(off.up)} on ${round1(on.up)} MB/s, download off ${round1(off.down)} on ${round1(on.down)} MB/s\n`);
    }
    const ratios = (key: 'up' | 'down') => samples.on.map((on, i) => Math.round((on[key] / samples.off[i]![key]) * 100) / 100);
    const rss = (mode: Mode) => ({ gateway: peakRssMb(stacks[mode]!.gatewayPid()), ...Object.fromEntries(stacks[mode]!.cluster.ids.map((id) => [id, peakRssMb(stacks[mode]!.cluster.pid(id))])) });
    const uploadRatio = median(ratios('up'));
    const downloadRatio = median(ratios('down'));
    return {
      bench: 'gateway',
      mode: 'encryption on vs off',
      profile: opts.profile,
      sizeMiB: opts.mib,
      rounds: opts.rounds,
      off: { uploadMBps: round1(median(samples.off.map((s) => s.up))), downloadMBps: round1(median(samples.off.map((s) => s.down))), peakRssMb: rss('off') },
      on: { uploadMBps: round1(median(samples.on.map((s) => s.up))), downloadMBps: round1(median(samples.on.map((s) => s.down))), peakRssMb: rss('on') },
      ratio: { upload: uploadRatio, download: downloadRatio, uploads: ratios('up'), downloads: ratios('down') },
      targets: { ratio: 0.9 },
      meetsTargets: uploadRatio >= 0.9 && downloadRatio >= 0.9,
    };
  } finally {
    await Promise.all(Object.values(stacks).map((stack) => stack.close()));
  }
}
