import yauzl from 'yauzl';

/** Test support (not a test): a zip's entries read back with yauzl, strict about names and sizes. */
export interface UnzippedEntry {
  name: string;
  directory: boolean;
  /** General purpose bit 11: the name is UTF-8. */
  utf8: boolean;
  data: Buffer;
}

export async function unzip(archive: Buffer): Promise<UnzippedEntry[]> {
  const zip = await yauzl.fromBufferPromise(archive, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true });
  const entries: UnzippedEntry[] = [];
  for await (const entry of zip.eachEntry()) {
    const directory = entry.fileName.endsWith('/');
    const chunks: Buffer[] = [];
    if (!directory) for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    entries.push({ name: entry.fileName, directory, utf8: (entry.generalPurposeBitFlag & 0x800) !== 0, data: Buffer.concat(chunks) });
  }
  return entries;
}
