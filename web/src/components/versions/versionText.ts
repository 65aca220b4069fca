import type { FileVersion } from '../../api/versions';

/**
 * Each version's name: its date and time to the second, which stays the same as versions come
 * and go (numbers would shift when one is deleted or thinned). Two of the same second, oldest
 * first, get "(2)", "(3)"… so that the buttons named after them still differ.
 */
export function versionLabels(versions: readonly FileVersion[], locale?: string): Map<string, string> {
  const seen = new Map<string, number>();
  const labels = new Map<string, string>();
  for (const v of [...versions].reverse()) {
    const time = formatVersionTime(v.createdAt, locale);
    const count = (seen.get(time) ?? 0) + 1;
    seen.set(time, count);
    labels.set(v.versionId, count === 1 ? time : `${time} (${count})`);
  }
  return labels;
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
