import { GatewayStack } from '../../test/support/gatewayStack';
import { signUpAndLogIn, type ApiUser } from '../../test/support/gatewayUser';
import { peakRssMb } from './procStats';
import { allReplicasStored, downloadMBps, removeForGood, settleDisk, uploadThroughGateway } from './gatewayTransfers';
import { runEncryptionRounds, summarise, type EncryptionRoundsOptions, type Mode } from './encryptionRounds';

/**
 * bench:gateway -- --encryption both: the same large file up and down through the gateway, on
 * a stack with encryption at rest and one without, side by side in one run, in the rounds of
 * encryptionRounds.ts (issue 15: target ≥ 0.9× both ways; peak RSS unchanged).
 */
export async function compareGatewayEncryption(opts: EncryptionRoundsOptions & { mib: number; profile: 'lan' | 'wan'; seed: string }): Promise<Record<string, unknown>> {
  const env = (mode: Mode) => ({ GEOVAULT_LOG_LEVEL: 'warn', GEOVAULT_QUOTA_BYTES: String(64 * 1024 ** 3), GEOVAULT_ENCRYPTION: mode });
  const stacks: Partial<Record<Mode, GatewayStack>> = {};
  try {
    stacks.off = await GatewayStack.start({ profile: opts.profile, env: env('off') });
    stacks.on = await GatewayStack.start({ profile: opts.profile, env: env('on') });
    const users: Record<Mode, ApiUser> = { off: await signUpAndLogIn(stacks.off.url), on: await signUpAndLogIn(stacks.on.url) };
    const rounds = await runEncryptionRounds<string>(opts, {
      upload: async (mode) => {
        settleDisk();
        const { MBps, fileId } = await uploadThroughGateway(stacks[mode]!.url, users[mode], opts.mib, opts.seed);
        await allReplicasStored(users[mode], fileId);
        return { MBps, file: fileId };
      },
      download: (mode, fileId) => downloadMBps(`${stacks[mode]!.url}/api/files/download/${fileId}`, opts.mib, { authorization: `Bearer ${users[mode].token}` }),
      remove: (mode, fileId) => removeForGood(users[mode], fileId),
    });
    const rss = (mode: Mode) => ({ gateway: peakRssMb(stacks[mode]!.gatewayPid()), ...Object.fromEntries(stacks[mode]!.cluster.ids.map((id) => [id, peakRssMb(stacks[mode]!.cluster.pid(id))])) });
    return {
      bench: 'gateway',
      mode: 'encryption on vs off',
      profile: opts.profile,
      sizeMiB: opts.mib,
      rounds: opts.rounds,
      downloadPairsPerRound: opts.downloadPairs,
      peakRssMb: { off: rss('off'), on: rss('on') },
      ...summarise(rounds),
    };
  } finally {
    await Promise.all(Object.values(stacks).map((stack) => stack.close()));
  }
}
