/** Display formatting shared by the file list, the quota bar and the account screen. */
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** Binary multiples with the familiar short names (5 GiB of quota reads "5 GB"). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${value} B`;
  const digits = value < 10 ? 1 : 0;
  // Drop a trailing ".0" so that exact sizes read "5 GB", not "5.0 GB".
  return `${Number(value.toFixed(digits))} ${UNITS[unit]}`;
}

export interface QuotaView {
  /** 0 to 100, clamped, for the bar. */
  percent: number;
  text: string;
  nearlyFull: boolean;
}

export function quotaView(used: number, limit: number): QuotaView {
  const ratio = limit > 0 ? used / limit : 1;
  const percent = Math.min(100, Math.max(0, ratio * 100));
  // Whole percents, except that any use at all never shows as 0 %.
  const shown = used > 0 && percent < 1 ? '<1' : String(Math.round(percent));
  return { percent, text: `${formatBytes(used)} of ${formatBytes(limit)} used (${shown} %)`, nearlyFull: ratio >= 0.9 };
}

export function formatDateTime(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}
