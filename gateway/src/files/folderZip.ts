import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import yazl from 'yazl';
import { untilAborted } from '../../../common/async/untilAborted';
import type { ItemView, WalkPage } from '../../../node/src/api/tree';
import { nameProblem } from '../../../node/src/tree/itemName';
import { exactLength } from './exactLength';

/** Where a zip's entries and bytes come from: the node's walk of the folder, and each file's stream. */
export interface FolderZipSource {
  /** One page of the folder's subtree, parents before their children; `path` relative, with `/`. */
  walk(cursor: string | undefined): Promise<WalkPage>;
  /** A file's bytes and their exact count (the stream may end early; the count tells). */
  open(item: ItemView): Promise<{ body: Readable; length: number }>;
}

export interface FolderZipResult {
  files: number;
  folders: number;
}

/**
 * Streams a folder as a zip into `out`, one file at a time and one walk page ahead: memory
 * holds one page of entries and the zip's central directory (a few dozen bytes per entry),
 * never a file. Entries are stored, not deflated: most of what people keep (photos, video,
 * archives, office files) is compressed already, and deflate would spend the gateway's CPU,
 * which every user shares, for little. Names carry the UTF-8 flag (yazl sets it on every entry).
 *
 * Rejects when a walk page or a file cannot be had, a file's stream breaks or ends short, or
 * `out` closes early; `out` is then left to the caller, who must destroy it if any byte went
 * out (a zip cut short must look broken, not complete).
 */
export async function writeFolderZip(source: FolderZipSource, out: Writable): Promise<FolderZipResult> {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as Readable;
  const result: FolderZipResult = { files: 0, folders: 0 };
  let failure: Error | undefined;
  let current: Readable | undefined;
  const failing = new AbortController();
  const fail = (error: Error) => {
    if (failure) return;
    failure = error;
    current?.destroy();
    output.unpipe(out);
    output.destroy();
    failing.abort(error);
  };
  // Not Promise.race against one promise for the whole zip, which kept every page of the walk.
  const unlessFailed = <T>(promise: Promise<T>) => untilAborted(promise, failing.signal);

  // Files whose bytes yazl has asked for, in order: when the last one added has been asked
  // for, every entry before it is written.
  let startedFiles = 0;
  let addedFiles = 0;
  let progress: { target: number; resolve: () => void } | undefined;
  const fileStarted = () => {
    startedFiles++;
    if (progress && startedFiles >= progress.target) progress.resolve();
  };
  const allStarted = () =>
    startedFiles >= addedFiles ? Promise.resolve() : new Promise<void>((resolve) => (progress = { target: addedFiles, resolve }));

  zip.on('error', (error: Error) => fail(error));
  const done = finished(out);
  done.catch(() => undefined);
  out.once('close', () => {
    if (!out.writableFinished) fail(new Error('the client closed the download'));
  });
  output.pipe(out);

  const addFile = (path: string, item: ItemView) => {
    addedFiles++;
    zip.addReadStreamLazy(path, { mtime: new Date(item.modifiedAt), compress: false }, (cb) => {
      fileStarted();
      source.open(item).then(
        ({ body, length }) => {
          if (failure) {
            body.destroy();
            return;
          }
          current = body;
          const counted = exactLength(length);
          body.once('error', (error: Error) => fail(error));
          counted.once('error', (error: Error) => fail(new Error(`${path}: ${error.message}`)));
          body.pipe(counted);
          cb(null, counted);
        },
        (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
      );
    });
    result.files++;
  };

  try {
    let page = await unlessFailed(source.walk(undefined));
    for (;;) {
      for (const { path, item } of page.entries) {
        const entryPath = zipEntryPath(path);
        if (item.kind === 'folder') {
          // Every folder gets its entry, so that empty ones are not lost.
          zip.addEmptyDirectory(entryPath, { mtime: new Date(item.modifiedAt) });
          result.folders++;
        } else {
          addFile(entryPath, item);
        }
      }
      // The next page comes while this one's bytes stream; it is added only once they are out.
      const next = page.cursor ? source.walk(page.cursor) : undefined;
      next?.catch(() => undefined);
      await unlessFailed(allStarted());
      if (!next) break;
      page = await unlessFailed(next);
    }
    zip.end();
    await unlessFailed(done);
    return result;
  } catch (error) {
    fail(error instanceof Error ? error : new Error(String(error)));
    throw failure;
  }
}

/**
 * A walk path as a zip entry name. Names from a node were checked when they were given, but a
 * path that could climb out of the folder where it is unpacked is refused here all the same.
 * yazl reads a first name such as "C: notes" as a Windows drive: it goes in as "./C: notes",
 * which unpackers read as the same relative name.
 */
export function zipEntryPath(path: string): string {
  const names = path.split('/');
  for (const name of names) {
    if (nameProblem(name) !== null) throw new Error(`the walk gave an unusable path: ${JSON.stringify(path)}`);
  }
  return /^[a-zA-Z]:/.test(path) ? `./${path}` : path;
}
