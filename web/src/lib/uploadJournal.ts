/**
 * The upload queue as it survives a reload: one row per unfinished upload, in localStorage,
 * per account. The bytes already sent live on the server (tus); the browser forgets the File
 * objects, so a row remembers what identifies its file (path, size, modification time) for
 * the person to pick or drop it again, and what was done (`loaded`) to show meanwhile.
 */
export interface JournalRow {
  /** tus-js-client's fingerprint of the upload: how a re-picked file finds its upload URL. */
  key: string;
  /** The file's name, or its path in an uploaded folder. */
  name: string;
  folderId: string;
  size: number;
  lastModified: number;
  loaded: number;
  paused: boolean;
}

const PREFIX = 'geovault.uploads.v1.';
/** A queue of a whole folder can be long; beyond this the oldest rows are dropped. */
export const MAX_JOURNAL_ROWS = 500;

function isRow(value: unknown): value is JournalRow {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  return (
    typeof row.key === 'string' &&
    typeof row.name === 'string' &&
    typeof row.folderId === 'string' &&
    [row.size, row.lastModified, row.loaded].every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0) &&
    typeof row.paused === 'boolean'
  );
}

/** The rows kept for `userId`; anything unreadable (an older format, a hand edit) is ignored. */
export function readJournal(storage: Pick<Storage, 'getItem'>, userId: string): JournalRow[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(PREFIX + userId) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isRow) : [];
  } catch {
    return [];
  }
}

/** Replaces the rows kept for `userId` (none: the entry goes). A full storage only loses the journal. */
export function writeJournal(storage: Pick<Storage, 'setItem' | 'removeItem'>, userId: string, rows: readonly JournalRow[]): void {
  try {
    if (rows.length === 0) storage.removeItem(PREFIX + userId);
    else storage.setItem(PREFIX + userId, JSON.stringify(rows.slice(-MAX_JOURNAL_ROWS)));
  } catch {
    // Quota exceeded or storage disabled: uploads still run, only a reload would forget them.
  }
}

/** Does a picked file look like the one a row waits for (same place, size and modification time)? */
export function matchesRow(row: JournalRow, file: { size: number; lastModified: number }, name: string, folderId: string): boolean {
  return row.name === name && row.folderId === folderId && row.size === file.size && row.lastModified === file.lastModified;
}
