import { describe, expect, it } from 'vitest';
import type { ClientItem } from '../../api/files';
import { actionsFor, menuActionsFor } from './itemActions';

const item = (kind: 'file' | 'folder', id: string = kind): ClientItem => ({ id, kind, name: id, parentId: 'root', size: 1, createdAt: '', modifiedAt: '' });

describe('menuActionsFor', () => {
  it('offers a file’s version history in its menu, before Rename, and not in the selection bar', () => {
    const menu = menuActionsFor([item('file')]);
    expect(menu.indexOf('versions')).toBe(menu.indexOf('rename') - 1);
    expect(actionsFor([item('file')])).not.toContain('versions');
    expect(menu.filter((a) => a !== 'versions')).toEqual(actionsFor([item('file')]));
  });

  it('has no version history for a folder or for several items', () => {
    expect(menuActionsFor([item('folder')])).toEqual(actionsFor([item('folder')]));
    expect(menuActionsFor([item('file', 'a'), item('file', 'b')])).not.toContain('versions');
  });

  it('opens a file the browser can show in the preview, first in its menu; other files have no Open', () => {
    const photo = { ...item('file', 'beach.jpg'), mime: 'image/jpeg' };
    expect(menuActionsFor([photo])[0]).toBe('open');
    expect(menuActionsFor([{ ...item('file', 'app.exe'), mime: 'application/octet-stream' }])).not.toContain('open');
    expect(actionsFor([photo])).not.toContain('open');
  });
});
