/**
 * Which older contents of a file to let go (DESIGN §5, as Nextcloud thins versions): every one
 * from the last day, one a day for 30 days, one a week after that; and never more bytes of
 * older versions than `budgetBytes` (the user's share: half of the free quota), the oldest
 * going first. Days and weeks are fixed calendar buckets (UTC), not ages, so that a version
 * kept today is not dropped tomorrow only because the buckets moved. Pure: a test gives `now`.
 */
export interface ThinnableVersion {
  fileId: string;
  /** When this content was uploaded, ms since the epoch. */
  at: number;
  size: number;
}

const DAY_MS = 24 * 3600_000;
const WEEK_MS = 7 * DAY_MS;
/** Up to this age every version is kept. */
export const KEEP_ALL_MS = DAY_MS;
/** Up to this age one version a day is kept; past it, one a week. */
export const DAILY_UNTIL_MS = 30 * DAY_MS;

/**
 * @param versions newest first; the first is the current content and is never thinned.
 * @returns the file ids to delete, and the older bytes left.
 */
export function thinVersions(versions: readonly ThinnableVersion[], now: number, budgetBytes: number): { remove: string[]; keptBytes: number } {
  const remove: string[] = [];
  const kept: ThinnableVersion[] = [];
  const buckets = new Set<string>();
  for (const version of versions.slice(1)) {
    const age = now - version.at;
    if (age < KEEP_ALL_MS) {
      kept.push(version);
      continue;
    }
    const bucket = age < DAILY_UNTIL_MS ? `d${Math.floor(version.at / DAY_MS)}` : `w${Math.floor(version.at / WEEK_MS)}`;
    // Newest first: the first version seen in a bucket is its newest, the one kept.
    if (buckets.has(bucket)) remove.push(version.fileId);
    else {
      buckets.add(bucket);
      kept.push(version);
    }
  }
  let keptBytes = kept.reduce((sum, version) => sum + version.size, 0);
  for (let i = kept.length - 1; i >= 0 && keptBytes > budgetBytes; i--) {
    remove.push(kept[i]!.fileId);
    keptBytes -= kept[i]!.size;
  }
  return { remove, keptBytes };
}

/** Half of what is free when older versions are not counted: what older versions may use in all. */
export function versionBudget(usage: { used: number; limit: number; versionBytes: number }): number {
  return Math.max(0, Math.floor((usage.limit - (usage.used - usage.versionBytes)) / 2));
}
