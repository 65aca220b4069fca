/**
 * Turns what the user dropped or picked into files with their place in the folder structure,
 * so that a folder upload recreates its tree (the gateway makes the folders of `relativePath`).
 */
export interface UploadEntry {
  file: File;
  /** Folders then name, joined by "/" ("photos/2024/a.jpg"); the bare name for loose files. */
  relativePath: string;
}

/**
 * The parts of the File and Directory Entries API we use. Declared here (the DOM library has
 * them too) so that tests can hand in plain objects.
 */
export interface EntryLike {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath?: string;
}
export interface FileEntryLike extends EntryLike {
  file(success: (file: File) => void, failure?: (error: unknown) => void): void;
}
export interface DirectoryEntryLike extends EntryLike {
  createReader(): { readEntries(success: (entries: EntryLike[]) => void, failure?: (error: unknown) => void): void };
}

/** The most entries one folder may yield: a runaway drop (a whole home folder) stops here. */
export const MAX_WALK_ENTRIES = 10_000;

const readFile = (entry: FileEntryLike) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

/** readEntries() answers in batches (100 in Chromium) until it answers an empty one. */
async function readAll(entry: DirectoryEntryLike): Promise<EntryLike[]> {
  const reader = entry.createReader();
  const all: EntryLike[] = [];
  for (;;) {
    const batch = await new Promise<EntryLike[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0 || all.length >= MAX_WALK_ENTRIES) return all;
    all.push(...batch);
  }
}

/**
 * Every file under the given entries, depth first, each with its path from the dropped level:
 * dropping folder "trip" holding "day1/a.jpg" gives "trip/day1/a.jpg". Empty folders yield
 * nothing (an upload carries files; the folders come from their paths).
 */
export async function walkEntries(entries: readonly EntryLike[]): Promise<UploadEntry[]> {
  const out: UploadEntry[] = [];
  const visit = async (entry: EntryLike, prefix: string): Promise<void> => {
    if (out.length >= MAX_WALK_ENTRIES) return;
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isFile) {
      out.push({ file: await readFile(entry as FileEntryLike), relativePath: path });
    } else if (entry.isDirectory) {
      for (const child of await readAll(entry as DirectoryEntryLike)) await visit(child, path);
    }
  };
  for (const entry of entries) await visit(entry, '');
  return out;
}

/** Files from an `<input type=file>`, with or without `webkitdirectory`. */
export function entriesFromFileList(files: Iterable<File>): UploadEntry[] {
  return [...files].map((file) => ({ file, relativePath: file.webkitRelativePath || file.name }));
}

/**
 * What a drop from the desktop holds. The entries must be taken during the drop event itself
 * (the DataTransfer is emptied once the handler returns), so this reads them first and walks
 * them after. A browser without entries (or a synthetic DataTransfer) falls back to the files.
 */
export function entriesFromDrop(transfer: DataTransfer): Promise<UploadEntry[]> {
  const entries: EntryLike[] = [];
  for (const item of transfer.items ?? []) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push(entry as unknown as EntryLike);
  }
  const files = [...transfer.files];
  if (entries.length === 0) return Promise.resolve(entriesFromFileList(files));
  return walkEntries(entries);
}

/** True when a drag carries files from outside the page (not our own items). */
export function dragHasFiles(transfer: DataTransfer | null): boolean {
  return !!transfer && [...transfer.types].includes('Files');
}
