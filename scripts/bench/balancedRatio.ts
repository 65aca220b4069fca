import { median } from './stats';

/**
 * Of two large uploads back to back, the second runs markedly slower on this VM: its disk is
 * still busy with the first one's three replicas (bench:upload --encryption both, 9 rounds:
 * 0.6–0.78 with off first, 1.19–1.39 with on first). Benchmarks alternate the order, so two
 * consecutive ratios carry that penalty once each way: their geometric mean cancels it, and the
 * result is the median of those. Use an even number of samples.
 */
export function balancedRatio(ratios: number[]): { ratio: number; balanced: number[] } {
  const balanced: number[] = [];
  for (let i = 0; i + 1 < ratios.length; i += 2) balanced.push(Math.sqrt(ratios[i]! * ratios[i + 1]!));
  return { ratio: median(balanced), balanced };
}
