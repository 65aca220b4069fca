import { describe, expect, it } from 'vitest';
import type { ClientItem } from '../../api/files';
import type { TrashItem } from '../../api/trash';
import { folderGone, folderLink, originalLocation, restoredText, retentionText } from './trashText';

const deleted: TrashItem = {
  id: 'f1',
  kind: 'file',
  name: 'plan.txt',
  parentId: 'trash',
  size: 12,
  createdAt: '2026-12-01T08:00:00.000Z',
  modifiedAt: '2026-12-01T08:00:00.000Z',
  deletedAt: '2026-12-01T09:00:00.000Z',
  originalPath: '/Trips/2026',
  originalParentId: 'folder-2026',
};
const back = (change: Partial<ClientItem>): ClientItem => ({ ...deleted, parentId: deleted.originalParentId, ...change });

describe('originalLocation', () => {
  it('names the root as the breadcrumbs do and joins the folders below it', () => {
    expect(originalLocation('/')).toBe('All files');
    expect(originalLocation('/Trips/2026')).toBe('All files › Trips › 2026');
    expect(originalLocation('/Café ☀/')).toBe('All files › Café ☀');
  });
});

describe('restoredText', () => {
  it('says the item is back where it was', () => {
    expect(restoredText(deleted, back({}))).toBe('“plan.txt” is back in All files › Trips › 2026.');
  });

  it('says why it landed in the root when its folder is gone (the contract then gives the root as its parent)', () => {
    const orphan = { ...deleted, originalParentId: 'root' };
    expect(restoredText(orphan, back({ parentId: 'root' }))).toBe('“plan.txt” is back in All files because All files › Trips › 2026 is no longer there.');
  });

  it('names the new name when the old one was taken', () => {
    expect(restoredText(deleted, back({ name: 'plan (1).txt' }))).toBe('“plan.txt” is back in All files › Trips › 2026 as “plan (1).txt”, as the name was taken.');
  });
});

describe('folderGone', () => {
  it('is true only when the root stands in for a folder that was not the root', () => {
    expect(folderGone(deleted)).toBe(false);
    expect(folderGone({ ...deleted, originalParentId: 'root' })).toBe(true);
    expect(folderGone({ ...deleted, originalPath: '/', originalParentId: 'root' })).toBe(false);
  });
});

describe('restoredText in the root', () => {
  it('says nothing about a missing folder when the item came from the root', () => {
    const fromRoot = { ...deleted, originalPath: '/', originalParentId: 'root' };
    expect(restoredText(fromRoot, back({ parentId: 'root' }))).toBe('“plan.txt” is back in All files.');
  });
});

describe('folderLink', () => {
  it('opens the folder the item is in with the item selected', () => {
    expect(folderLink(back({}))).toEqual({ path: '/files/folder-2026', query: { select: 'f1' } });
    expect(folderLink(back({ parentId: 'root' }))).toEqual({ path: '/files', query: { select: 'f1' } });
  });
});

describe('retentionText', () => {
  it('says when the trash deletes items by itself, in days or hours', () => {
    expect(retentionText(30)).toBe('items are deleted for good 30 days after they were deleted.');
    expect(retentionText(1)).toBe('items are deleted for good a day after they were deleted.');
    expect(retentionText(0.25)).toBe('items are deleted for good 6 hours after they were deleted.');
    expect(retentionText(null)).toBe('old ones are deleted for good automatically.');
  });
});
