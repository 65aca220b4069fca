import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { signRequest } from '../../common/signing/requestSigning';
import type { FileListPage } from '../../node/src/api/files';
import type { NodeCluster } from './nodeCluster';
import { hasBlobMagic, HEADER_BYTES, parseHeader, plainSizeOf } from '../../node/src/storage/encryption/blobFormat';
import { BlobOpener } from '../../node/src/storage/encryption/blobDecoder';
import { MasterKeyring, parseMasterKey } from '../../node/src/storage/encryption/masterKeys';

export const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');
export const newId = () => crypto.randomUUID();

export interface UploadOptions {
  name?: string;
  mime?: string;
  /** Send without Content-Length (chunked), in pieces of this size with `pauseMs` between. */
  chunked?: { chunkBytes: number; pauseMs: number };
  /** Called after each chunk is written (chunked only), e.g. to kill a node mid-upload. */
  onChunk?: (sent: number) => void | Promise<void>;
  /** A keep-alive agent (benchmarks); a connection per request when left out (not Node's global agent, whose idle sockets race the node's idle close under load). */
  agent?: http.Agent;
  /** More headers: the folder (x-geovault-parent-id), the clash rule (x-geovault-on-conflict). */
  headers?: http.OutgoingHttpHeaders;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** PUT /v1/files on one node with real HTTP, fixed-length or chunked. */
export function uploadTo(cluster: NodeCluster, node: string, userId: string, fileId: string, data: Buffer, opts: UploadOptions = {}): Promise<HttpResult> {
  return signedPut(cluster, node, `/v1/files/${userId}/${fileId}`, data, {
    ...opts,
    headers: { 'content-type': opts.mime ?? 'application/octet-stream', 'x-geovault-file-name': encodeURIComponent(opts.name ?? `test-${fileId}.bin`), ...opts.headers },
  });
}

/** A replica PUT as `coordinator` sends it during an upload: a copy whose entry is not written yet. */
export function putReplicaAs(cluster: NodeCluster, node: string, coordinator: string, userId: string, fileId: string, data: Buffer): Promise<HttpResult> {
  return signedPut(cluster, node, `/v1/replicas/${userId}/${fileId}`, data, { caller: coordinator, headers: { 'content-type': 'application/octet-stream' } });
}

/** A streamed PUT signed by `caller` (the gateway unless said), fixed-length or chunked. */
function signedPut(
  cluster: NodeCluster,
  node: string,
  pathname: string,
  data: Buffer,
  opts: UploadOptions & { caller?: string; headers: http.OutgoingHttpHeaders },
): Promise<HttpResult> {
  const headers: http.OutgoingHttpHeaders = { ...signRequest(cluster.secret, opts.caller ?? 'gateway', 'PUT', pathname, { streamed: true }), ...opts.headers };
  if (!opts.chunked) headers['content-length'] = data.length;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: cluster.port(node), method: 'PUT', path: pathname, headers, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!opts.chunked) {
      req.end(data);
      return;
    }
    const { chunkBytes, pauseMs } = opts.chunked;
    void (async () => {
      for (let sent = 0; sent < data.length; sent += chunkBytes) {
        if (req.destroyed) return;
        req.write(data.subarray(sent, sent + chunkBytes));
        await opts.onChunk?.(sent + chunkBytes);
        await new Promise((r) => setTimeout(r, pauseMs));
      }
      req.end();
    })().catch(reject);
  });
}

export function get(cluster: NodeCluster, node: string, pathname: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      // A connection of its own: Node's global agent keeps sockets that the node may close at that very moment under load.
      { host: '127.0.0.1', port: cluster.port(node), method: 'GET', path: pathname, headers: { ...signRequest(cluster.secret, 'gateway', 'GET', pathname), ...headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The first page (up to 1,000) of the user's root folder, newest first. */
export async function listFiles(cluster: NodeCluster, node: string, userId: string): Promise<FileListPage> {
  const res = await get(cluster, node, `/v1/files/${userId}?limit=1000`);
  return JSON.parse(res.body.toString());
}

/** Where a node keeps a user's blob, per DESIGN §5. */
export function blobFile(cluster: NodeCluster, node: string, userId: string, fileId: string): string {
  return path.join(cluster.dataDir, `node-${node}`, userId, 'files', `${fileId}.bin`);
}

/**
 * The plaintext a node keeps for a file: its blob decrypted with the cluster's master key
 * (`<dataDir>/master.key`), every tag checked; undefined when the blob is missing or does not
 * open (damaged, cut short). A blob from before encryption is returned as it is.
 */
export function readBlob(cluster: NodeCluster, node: string, userId: string, fileId: string): Buffer | undefined {
  let stored: Buffer;
  try {
    stored = fs.readFileSync(blobFile(cluster, node, userId, fileId));
  } catch {
    return undefined;
  }
  if (!hasBlobMagic(stored)) return stored;
  try {
    const opener = new BlobOpener({ keys: clusterKeyring(cluster), output: 'plaintext' });
    const out: Buffer[] = [];
    opener.update(stored, (bytes) => out.push(bytes));
    opener.end((bytes) => out.push(bytes));
    return Buffer.concat(out);
  } catch {
    return undefined;
  }
}

/** The plaintext size a node's blob holds (from its size and header alone), or undefined when missing or cut. */
export function blobPlainSize(cluster: NodeCluster, node: string, userId: string, fileId: string): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(blobFile(cluster, node, userId, fileId), 'r');
  } catch {
    return undefined;
  }
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    const read = fs.readSync(fd, header, 0, HEADER_BYTES, 0);
    const size = fs.fstatSync(fd).size;
    if (!hasBlobMagic(header.subarray(0, read))) return size;
    return plainSizeOf(size, parseHeader(header.subarray(0, read)).active.segmentSize);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** The master keys of a cluster's nodes: the key file they share in the data dir. */
export function clusterKeyring(cluster: NodeCluster): MasterKeyring {
  const lines = fs.readFileSync(path.join(cluster.dataDir, 'master.key'), 'utf8').split('\n').filter((line) => line.trim() !== '');
  return MasterKeyring.fromKeys(lines.map((line) => parseMasterKey(line)!));
}

export function tempFiles(cluster: NodeCluster, node: string): string[] {
  try {
    return fs.readdirSync(path.join(cluster.dataDir, `node-${node}`, '_system', 'tmp'));
  } catch {
    return [];
  }
}

/** The master key id a blob file's active header slot names. */
export function activeKeyId(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    fs.readSync(fd, header, 0, HEADER_BYTES, 0);
    return parseHeader(header).active.keyId.toString('hex');
  } finally {
    fs.closeSync(fd);
  }
}

/** Every regular file under a directory, recursively (index, its log, temp files, keys, blobs). */
export function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...allFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/**
 * A file `allFiles` listed a moment ago, or nothing if it is gone: the nodes keep running while
 * a test looks, and a temp file (rebalance.json.tmp, seen in CI) is renamed away between the
 * listing and the read. Its bytes are then in the file it became.
 */
export function readIfStill(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  }
}
