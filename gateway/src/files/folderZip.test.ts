import crypto from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ItemView, WalkPage } from '../../../node/src/api/tree';
import { writeFolderZip, zipEntryPath, type FolderZipSource } from './folderZip';
import { unzip } from './zipTestSupport';

const at = '2026-11-30T10:00:00.000Z';
let ids = 0;
const folder = (name: string): ItemView => ({ id: `f${ids++}`, kind: 'folder', name, parentId: 'root', size: 0, createdAt: at, modifiedAt: at });
const file = (name: string, data: Buffer): ItemView & { data: Buffer } => ({
  id: `i${ids++}`, kind: 'file', name, parentId: 'root', size: data.length, createdAt: at, modifiedAt: at, data,
});

/** A walk served in pages of `pageSize` (cursor = the next index), and files from memory in 16 KiB chunks. */
function memorySource(entries: WalkPage['entries'], pageSize: number, opts: { breakAfter?: { id: string; bytes: number } } = {}) {
  const stats = { open: 0, maxOpen: 0, walks: 0, destroyed: 0 };
  const source: FolderZipSource = {
    async walk(cursor) {
      stats.walks++;
      const start = Number(cursor ?? 0);
      const end = start + pageSize;
      return { entries: entries.slice(start, end), ...(end < entries.length ? { cursor: String(end) } : {}) };
    },
    async open(item) {
      const data = (item as ItemView & { data: Buffer }).data;
      stats.open++;
      stats.maxOpen = Math.max(stats.maxOpen, stats.open);
      const broken = opts.breakAfter?.id === item.id ? opts.breakAfter.bytes : undefined;
      const body = new Readable({
        read() {},
        destroy(error, callback) {
          stats.destroyed++;
          callback(error);
        },
      });
      void (async () => {
        for (let offset = 0; offset < data.length; offset += 16 * 1024) {
          if (broken !== undefined && offset >= broken) {
            body.destroy(new Error('the node went away'));
            return;
          }
          body.push(data.subarray(offset, offset + 16 * 1024));
          await new Promise((resolve) => setImmediate(resolve));
        }
        body.push(null);
      })();
      body.once('close', () => stats.open--);
      return { body, length: data.length };
    },
  };
  return { source, stats };
}

function collector() {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { out, bytes: () => Buffer.concat(chunks) };
}

describe('writeFolderZip', () => {
  it('zips a paged walk with unicode names, empty folders and nested files, one file open at a time', async () => {
    const big = crypto.randomBytes(300_000);
    const tree: WalkPage['entries'] = [
      { path: 'Été 2026', item: folder('Été 2026') },
      { path: 'Été 2026/日本語 ファイル.bin', item: file('日本語 ファイル.bin', big) },
      { path: 'Été 2026/vide 📁', item: folder('vide 📁') },
      { path: 'naïve.txt', item: file('naïve.txt', Buffer.from('bonjour')) },
      { path: 'empty.txt', item: file('empty.txt', Buffer.alloc(0)) },
      { path: 'C: notes', item: folder('C: notes') },
    ];
    const { source, stats } = memorySource(tree, 2);
    const { out, bytes } = collector();
    expect(await writeFolderZip(source, out)).toEqual({ files: 3, folders: 3 });
    expect(stats.walks).toBe(3);
    expect(stats.maxOpen).toBe(1);

    const entries = await unzip(bytes());
    expect(entries.map((e) => e.name)).toEqual(['Été 2026/', 'Été 2026/日本語 ファイル.bin', 'Été 2026/vide 📁/', 'naïve.txt', 'empty.txt', './C: notes/']);
    expect(entries.every((e) => e.utf8)).toBe(true);
    expect(entries[1]!.data.equals(big)).toBe(true);
    expect(entries[3]!.data.toString()).toBe('bonjour');
    expect(entries.filter((e) => e.directory).map((e) => e.name)).toEqual(['Été 2026/', 'Été 2026/vide 📁/', './C: notes/']);
  });

  it('a file that breaks mid-stream rejects and leaves the output unfinished, never a short zip', async () => {
    const victim = file('b.bin', crypto.randomBytes(200_000));
    const { source } = memorySource([{ path: 'a.txt', item: file('a.txt', Buffer.from('a')) }, { path: 'b.bin', item: victim }, { path: 'c.txt', item: file('c.txt', Buffer.from('c')) }], 10, {
      breakAfter: { id: victim.id, bytes: 64 * 1024 },
    });
    const { out, bytes } = collector();
    await expect(writeFolderZip(source, out)).rejects.toThrow(/went away|ended after/);
    expect(out.writableFinished).toBe(false);
    await expect(unzip(bytes())).rejects.toThrow();
  });

  it('a file shorter than its announced length is an error too', async () => {
    const item = file('short.bin', Buffer.alloc(1000));
    const source: FolderZipSource = {
      walk: async () => ({ entries: [{ path: 'short.bin', item }] }),
      open: async () => ({ body: Readable.from([Buffer.alloc(10)]), length: 1000 }),
    };
    const { out } = collector();
    await expect(writeFolderZip(source, out)).rejects.toThrow(/short.bin: the stream ended after 10 of 1000 bytes/);
  });

  it('a client that goes away stops the walk and closes the file being streamed', async () => {
    const tree = Array.from({ length: 30 }, (_, i) => ({ path: `f${i}.bin`, item: file(`f${i}.bin`, crypto.randomBytes(100_000)) }));
    const { source, stats } = memorySource(tree, 5);
    // A client that reads nothing: backpressure holds the zip, then it goes away.
    const out = new PassThrough({ highWaterMark: 16 * 1024 });
    const zipping = writeFolderZip(source, out);
    await new Promise((resolve) => setTimeout(resolve, 50));
    out.destroy();
    await expect(zipping).rejects.toThrow(/closed the download/);
    expect(stats.walks).toBeLessThan(6);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stats.open).toBe(0);
    expect(stats.destroyed).toBeGreaterThan(0);
  });

  it('a walk page that fails rejects before any byte is written', async () => {
    const source: FolderZipSource = {
      walk: async () => {
        throw new Error('no such folder');
      },
      open: async () => {
        throw new Error('not reached');
      },
    };
    const { out, bytes } = collector();
    await expect(writeFolderZip(source, out)).rejects.toThrow('no such folder');
    expect(bytes().length).toBe(0);
  });
});

describe('zipEntryPath', () => {
  it('refuses paths that climb out or are empty; keeps a drive-like first name relative', () => {
    expect(zipEntryPath('a/b c/ü.txt')).toBe('a/b c/ü.txt');
    expect(zipEntryPath('C: notes/x')).toBe('./C: notes/x');
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', '', 'a/./b', 'a/b\u0000']) expect(() => zipEntryPath(bad), bad).toThrow();
  });
});
