import type { FileVersion } from '../../api/versions';

/**
 * "Version 3": versions are numbered oldest first, so that the newest has the highest number
 * and the names stay the same as new ones arrive. Two uploads in the same minute read alike
 * by date; their numbers (and the buttons named after them) still tell them apart.
 */
export function versionLabels(versions: readonly FileVersion[]): Map<string, string> {
  return new Map(versions.map((v, index) => [v.versionId, `Version ${versions.length - index}`]));
}

/** Date and time to the second: versions are often minutes apart. */
export function formatVersionTime(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "3 versions", or null for a file with one version (nothing worth showing). */
export function versionCountText(count: number | undefined): string | null {
  return count !== undefined && count > 1 ? `${count} versions` : null;
}
