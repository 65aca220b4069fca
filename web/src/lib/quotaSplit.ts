/** What the quota bar draws when the gateway says what `used` is made of (files, versions, trash). */
import type { Usage, UsageBreakdown } from '../../../gateway/src/api/files';
import { formatBytes } from './format';

export type QuotaPart = keyof UsageBreakdown;

export interface QuotaSegment {
  key: QuotaPart;
  /** "Files", "Older versions", "Trash": the legend's words. */
  label: string;
  bytes: number;
  /** The segment's share of the whole bar (the quota), 0 to 100. */
  percent: number;
}

const LABELS: Readonly<Record<QuotaPart, string>> = { files: 'Files', versions: 'Older versions', trash: 'Trash' };
const ORDER: readonly QuotaPart[] = ['files', 'versions', 'trash'];
/**
 * A part that holds anything is drawn at least this wide, so a few kilobytes in the trash are a
 * sliver rather than nothing next to a legend that names them.
 */
export const MIN_VISIBLE_PERCENT = 0.5;

/**
 * The bar's segments in a fixed order, or null when the answer has no breakdown (an older
 * gateway): then the bar shows `used` alone. Over quota, the parts share the whole bar.
 */
export function quotaSegments(usage: Usage): QuotaSegment[] | null {
  const split = usage.breakdown;
  if (!split) return null;
  const bytes = (key: QuotaPart) => (Number.isFinite(split[key]) && split[key] > 0 ? split[key] : 0);
  const whole = Math.max(usage.limit, ORDER.reduce((sum, key) => sum + bytes(key), 0));
  return ORDER.map((key) => {
    const raw = whole > 0 ? (bytes(key) / whole) * 100 : 0;
    return { key, label: LABELS[key], bytes: bytes(key), percent: bytes(key) > 0 ? Math.max(MIN_VISIBLE_PERCENT, raw) : 0 };
  });
}

/** "files 1.2 MB, older versions 300 KB, trash 0 B": the split in words, for the meter's aria-valuetext. */
export function quotaSplitText(segments: readonly QuotaSegment[]): string {
  return segments.map((s) => `${s.label.toLowerCase()} ${formatBytes(s.bytes)}`).join(', ');
}
