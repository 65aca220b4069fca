import type { ClientShare, ShareState } from '../../api/shares';
import { formatDateTime } from '../../lib/format';

const STATE_TEXT: Readonly<Record<ShareState, string>> = {
  active: 'Active',
  expired: 'Expired',
  used_up: 'Download limit reached',
  item_missing: 'Item deleted',
};

export const shareStateText = (state: ShareState) => STATE_TEXT[state];

/** "Password · expires 3 Jan 2027, 10:00 · 2 of 5 downloads": what the link does, in one line. */
export function shareSummary(share: ClientShare, locale?: string): string {
  const parts: string[] = [];
  parts.push(share.uploadOnly ? 'Upload only' : share.kind === 'folder' ? 'View and download' : 'Download');
  parts.push(share.hasPassword ? 'password' : 'no password');
  parts.push(share.expiresAt ? `expires ${formatDateTime(share.expiresAt, locale)}` : 'no expiry');
  if (!share.uploadOnly) parts.push(share.maxDownloads !== null ? `${share.downloads} of ${share.maxDownloads} downloads` : `${share.downloads} ${share.downloads === 1 ? 'download' : 'downloads'}`);
  return parts.join(' · ');
}

/** An ISO time as the value of an <input type="datetime-local"> in the browser's zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value (the browser's zone) as ISO 8601, or null when empty or unreadable. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
