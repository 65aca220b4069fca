import { median, round1 } from './stats';
import { balancedRatio } from './balancedRatio';

/**
 * The rounds that bench:upload and bench:gateway run with `--encryption both`: a stack with
 * encryption at rest and one without, side by side. Every round uploads one large file to
 * each, alternating which goes first, then downloads both files in back-to-back pairs, again
 * alternating. A download takes about half a second, and this VM's throughput swings by half
 * from one second to the next: only figures taken back to back are compared, as ratios, and
 * the result is a median of those (balancedRatio). Use an even number of rounds.
 */
export type Mode = 'off' | 'on';
export const MODES: readonly Mode[] = ['off', 'on'];

export interface EncryptionRoundsOptions {
  readonly rounds: number;
  /** Downloads of each round's files: off and on back to back, this many times. */
  readonly downloadPairs: number;
}

export interface RoundSteps<File> {
  /** Before each round's uploads (the disk's limit, a sync). */
  beforeRound?(round: number): Promise<void>;
  upload(mode: Mode): Promise<{ MBps: number; file: File }>;
  download(mode: Mode, file: File): Promise<number>;
  remove(mode: Mode, file: File): Promise<void>;
}

export interface EncryptionRounds {
  readonly uploads: Record<Mode, number[]>;
  readonly downloads: Record<Mode, number[]>;
}

const hundredths = (n: number) => Math.round(n * 100) / 100;

export async function runEncryptionRounds<File>(opts: EncryptionRoundsOptions, steps: RoundSteps<File>): Promise<EncryptionRounds> {
  const uploads: Record<Mode, number[]> = { off: [], on: [] };
  const downloads: Record<Mode, number[]> = { off: [], on: [] };
  for (let round = 0; round < opts.rounds; round++) {
    await steps.beforeRound?.(round);
    const order = round % 2 === 0 ? [...MODES] : [...MODES].reverse();
    const files = new Map<Mode, File>();
    for (const mode of order) {
      const { MBps, file } = await steps.upload(mode);
      uploads[mode].push(MBps);
      files.set(mode, file);
    }
    for (let pair = 0; pair < opts.downloadPairs; pair++) {
      for (const mode of pair % 2 === 0 ? order : [...order].reverse()) downloads[mode].push(await steps.download(mode, files.get(mode)!));
    }
    for (const mode of MODES) await steps.remove(mode, files.get(mode)!);
    const lastDownloads = (mode: Mode) => downloads[mode].slice(-opts.downloadPairs).map(round1).join('/');
    process.stderr.write(
      `round ${round + 1}/${opts.rounds}: upload off ${round1(uploads.off.at(-1)!)} on ${round1(uploads.on.at(-1)!)} MB/s, downloads off ${lastDownloads('off')} on ${lastDownloads('on')} MB/s\n`,
    );
  }
  return { uploads, downloads };
}

/** Medians, the on/off ratios (target ≥ 0.9 both ways) and each pair's ratio. */
export function summarise(result: EncryptionRounds): Record<string, unknown> {
  const ratios = (samples: Record<Mode, number[]>) => samples.on.map((on, i) => on / samples.off[i]!);
  const upload = balancedRatio(ratios(result.uploads));
  const download = balancedRatio(ratios(result.downloads));
  return {
    medians: Object.fromEntries(MODES.map((mode) => [mode, { uploadMBps: round1(median(result.uploads[mode])), downloadMBps: round1(median(result.downloads[mode])) }])),
    ratio: {
      upload: hundredths(upload.ratio),
      download: hundredths(download.ratio),
      uploads: ratios(result.uploads).map(hundredths),
      downloads: ratios(result.downloads).map(hundredths),
      uploadsBalanced: upload.balanced.map(hundredths),
      downloadsBalanced: download.balanced.map(hundredths),
    },
    targets: { ratio: 0.9 },
    meetsTargets: upload.ratio >= 0.9 && download.ratio >= 0.9,
  };
}
