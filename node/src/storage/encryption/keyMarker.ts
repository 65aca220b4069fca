import fs from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir } from '../../../../common/durable/durableFs';
import { blobPath, isUuid, parseBlobName, systemDir, FILES_DIR_NAME } from '../layout';
import { BlobFormatError, hasBlobMagic, HEADER_BYTES, parseHeader } from './blobFormat';

/**
 * `_system/encryption.json`: the master key ids this node's blobs use. Read at start, before
 * anything is touched, so that a node given the wrong key refuses to start instead of taking
 * its own blobs for corrupt ones. A small sample of blob headers backs it up (a marker deleted
 * by hand still leaves the blobs to say which key they need).
 */
const MARKER_NAME = 'encryption.json';
/** `_system/plaintext-converted`: written once no blob from before encryption is left (blobConverter.ts). */
export const PLAINTEXT_CONVERTED_MARKER = 'plaintext-converted';
/** Written once every inline file in this node's index is sealed under the current key. */
export const INLINE_SEALED_MARKER = 'inline-sealed';
/** Blob headers read at start: enough to notice a wrong key, few enough to cost nothing. */
const SAMPLE_BLOBS = 32;

export function markerPath(nodeDir: string): string {
  return path.join(systemDir(nodeDir), MARKER_NAME);
}

/** Key ids the marker lists; none when there is no marker yet. Throws on an unreadable marker. */
export function readKeyMarker(nodeDir: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(markerPath(nodeDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parsed = JSON.parse(text) as { keyIds?: unknown };
  if (!Array.isArray(parsed.keyIds) || !parsed.keyIds.every((id) => typeof id === 'string' && /^[0-9a-f]{16}$/.test(id))) {
    throw new Error(`${markerPath(nodeDir)}: expected {"keyIds": ["<16 hex digits>", …]}`);
  }
  return parsed.keyIds as string[];
}

/** Replaces the marker atomically (temp file, fsync, rename, fsync of the directory). */
export async function writeKeyMarker(nodeDir: string, keyIds: readonly string[]): Promise<void> {
  const file = markerPath(nodeDir);
  const temp = `${file}.tmp`;
  await writeFile(temp, JSON.stringify({ keyIds: [...new Set(keyIds)].sort() }) + '\n', { mode: 0o600, flush: true });
  await rename(temp, file);
  await fsyncDir(path.dirname(file));
}

/** Master key ids named by the headers of up to `limit` blobs (synchronous: runs before start-up). */
export function sampleBlobKeyIds(nodeDir: string, limit = SAMPLE_BLOBS): string[] {
  const ids = new Set<string>();
  let looked = 0;
  for (const user of readdirOrEmpty(nodeDir)) {
    if (!isUuid(user)) continue;
    for (const name of readdirOrEmpty(path.join(nodeDir, user, FILES_DIR_NAME))) {
      const fileId = parseBlobName(name);
      if (fileId === undefined) continue;
      if (looked++ >= limit) return [...ids];
      const id = headerKeyId(blobPath(nodeDir, user, fileId));
      if (id) ids.add(id);
    }
  }
  return [...ids];
}

function headerKeyId(file: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    const read = fs.readSync(fd, header, 0, HEADER_BYTES, 0);
    if (!hasBlobMagic(header.subarray(0, read))) return undefined;
    return parseHeader(header.subarray(0, read)).active.keyId.toString('hex');
  } catch (error) {
    // A damaged header is the scrubber's business, not a reason to refuse to start.
    if (error instanceof BlobFormatError) return undefined;
    throw error;
  } finally {
    fs.closeSync(fd);
  }
}

/** Names in a directory, read lazily: a user with a million files costs only the names looked at. */
function* readdirOrEmpty(dir: string): Generator<string> {
  let handle: fs.Dir;
  try {
    handle = fs.opendirSync(dir);
  } catch {
    return;
  }
  try {
    for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) yield entry.name;
  } finally {
    handle.closeSync();
  }
}
