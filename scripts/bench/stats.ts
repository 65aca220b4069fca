/** Nearest-rank percentile of values sorted ascending (p95 of 20 samples is the 19th). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

/**
 * The middle value; of an even number, the mean of the two middle ones. The nearest-rank 50th
 * percentile took the lower of them: of the few balanced ratios a benchmark compares
 * (balancedRatio.ts), the 1st of 2 or the 2nd of 4, a bias downwards as large as the spread
 * of the samples.
 */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export const round1 = (n: number) => Math.round(n * 10) / 10;
