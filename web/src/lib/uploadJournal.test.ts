import { describe, expect, it } from 'vitest';
import { matchesRow, MAX_JOURNAL_ROWS, readJournal, writeJournal, type JournalRow } from './uploadJournal';

class MemoryStorage {
  readonly data = new Map<string, string>();
  getItem = (key: string) => this.data.get(key) ?? null;
  setItem = (key: string, value: string) => void this.data.set(key, value);
  removeItem = (key: string) => void this.data.delete(key);
}

const row = (name: string, extra: Partial<JournalRow> = {}): JournalRow => ({ key: `k-${name}`, name, folderId: 'root', size: 10, lastModified: 5, loaded: 3, paused: false, ...extra });

describe('the upload journal', () => {
  it('keeps rows per account and drops the entry when nothing is left', () => {
    const storage = new MemoryStorage();
    writeJournal(storage, 'alice', [row('a'), row('b', { paused: true })]);
    writeJournal(storage, 'bob', [row('c')]);
    expect(readJournal(storage, 'alice').map((r) => [r.name, r.paused])).toEqual([
      ['a', false],
      ['b', true],
    ]);
    expect(readJournal(storage, 'bob').map((r) => r.name)).toEqual(['c']);
    writeJournal(storage, 'alice', []);
    expect(storage.data.has('geovault.uploads.v1.alice')).toBe(false);
  });

  it('ignores what it cannot read and keeps at most the newest rows', () => {
    const storage = new MemoryStorage();
    storage.setItem('geovault.uploads.v1.x', '{not json');
    expect(readJournal(storage, 'x')).toEqual([]);
    storage.setItem('geovault.uploads.v1.x', JSON.stringify([row('ok'), { name: 'half' }, row('neg', { size: -1 })]));
    expect(readJournal(storage, 'x').map((r) => r.name)).toEqual(['ok']);
    writeJournal(storage, 'x', Array.from({ length: MAX_JOURNAL_ROWS + 3 }, (_, i) => row(`f${i}`)));
    const kept = readJournal(storage, 'x');
    expect(kept).toHaveLength(MAX_JOURNAL_ROWS);
    expect(kept[0]!.name).toBe('f3');
  });

  it('survives a storage that refuses writes', () => {
    const full = { setItem: () => { throw new Error('QuotaExceededError'); }, removeItem: () => undefined };
    expect(() => writeJournal(full, 'x', [row('a')])).not.toThrow();
  });

  it('matches a picked file by place, size and modification time', () => {
    const r = row('trip/a.jpg', { folderId: 'f1' });
    expect(matchesRow(r, { size: 10, lastModified: 5 }, 'trip/a.jpg', 'f1')).toBe(true);
    expect(matchesRow(r, { size: 11, lastModified: 5 }, 'trip/a.jpg', 'f1')).toBe(false);
    expect(matchesRow(r, { size: 10, lastModified: 6 }, 'trip/a.jpg', 'f1')).toBe(false);
    expect(matchesRow(r, { size: 10, lastModified: 5 }, 'a.jpg', 'f1')).toBe(false);
    expect(matchesRow(r, { size: 10, lastModified: 5 }, 'trip/a.jpg', 'root')).toBe(false);
  });
});
