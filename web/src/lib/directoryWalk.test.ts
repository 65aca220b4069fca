import { describe, expect, it } from 'vitest';
import { entriesFromFileList, walkEntries, type DirectoryEntryLike, type EntryLike, type FileEntryLike } from './directoryWalk';

const fileEntry = (name: string): FileEntryLike => ({
  isFile: true,
  isDirectory: false,
  name,
  file: (success) => success(new File([name], name)),
});

/** A directory whose reader answers in batches of `batch`, then an empty batch, as Chromium does. */
function dirEntry(name: string, children: EntryLike[], batch = 2): DirectoryEntryLike {
  return {
    isFile: false,
    isDirectory: true,
    name,
    createReader() {
      let next = 0;
      return {
        readEntries(success) {
          const slice = children.slice(next, next + batch);
          next += batch;
          setTimeout(() => success(slice), 0);
        },
      };
    },
  };
}

describe('walking dropped folders', () => {
  it('gives every file its path from the dropped level, through nested folders and batched reads', async () => {
    const dropped = [
      dirEntry('trip', [fileEntry('a.jpg'), dirEntry('day 1', [fileEntry('b.jpg'), fileEntry('c.jpg'), fileEntry('d.jpg')]), fileEntry('e.txt')]),
      fileEntry('loose.pdf'),
    ];
    const walked = await walkEntries(dropped);
    expect(walked.map((e) => e.relativePath)).toEqual([
      'trip/a.jpg',
      'trip/day 1/b.jpg',
      'trip/day 1/c.jpg',
      'trip/day 1/d.jpg',
      'trip/e.txt',
      'loose.pdf',
    ]);
    expect(walked.map((e) => e.file.name)).toEqual(['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.txt', 'loose.pdf']);
  });

  it('yields nothing for empty folders', async () => {
    expect(await walkEntries([dirEntry('empty', [])])).toEqual([]);
  });

  it('rejects when a file cannot be read, rather than uploading a partial folder silently', async () => {
    const broken: FileEntryLike = { isFile: true, isDirectory: false, name: 'x', file: (_ok, fail) => fail?.(new Error('gone')) };
    await expect(walkEntries([dirEntry('d', [broken])])).rejects.toThrow('gone');
  });
});

describe('picked files', () => {
  it('uses webkitRelativePath from a folder picker and the bare name otherwise', () => {
    const inFolder = new File(['1'], 'a.txt');
    Object.defineProperty(inFolder, 'webkitRelativePath', { value: 'docs/sub/a.txt' });
    const loose = new File(['2'], 'b.txt');
    expect(entriesFromFileList([inFolder, loose]).map((e) => e.relativePath)).toEqual(['docs/sub/a.txt', 'b.txt']);
  });
});
