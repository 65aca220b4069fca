import { createHash, type Hash } from 'node:crypto';
import { IntegrityError, TooLargeError } from '../storageErrors';
import { hasBlobMagic } from './blobFormat';
import { BlobOpener } from './blobDecoder';
import { BlobSealer } from './blobEncryptor';
import type { Codec } from './codecTransform';
import type { MasterKeyring } from './masterKeys';

/**
 * What a blob write receives: a file's plaintext, an encrypted blob of this cluster (a replica
 * streamed from its coordinator or pulled by repair: stored as it comes), or `auto`: told apart
 * by the blob magic in the first bytes. `auto` is for callers that pass a peer's stream on
 * without knowing its form (the repairer); a plaintext that merely starts with the magic fails
 * the header's authentication and the write with it, it is never stored as something else.
 */
export type WriteInput = 'plaintext' | 'blob' | 'auto';

export interface IngestOptions {
  readonly input: WriteInput;
  /** Encrypts plaintext with a fresh data key under `keyring.current`; without it plaintext is stored as is. */
  readonly keyring: MasterKeyring | undefined;
  readonly encrypt: boolean;
  readonly maxBytes?: number;
  readonly expectedSize?: number;
}

const MAGIC_PROBE_BYTES = 8;

/**
 * The one stage every blob write goes through: whatever comes in, what goes out is what the
 * disk keeps, and `bytes`/`digest()` are always the plaintext's (the index's sha256 is the
 * plaintext's hash, DESIGN §6). Limits apply to the plaintext, checked chunk by chunk.
 */
export class BlobIngest implements Codec {
  private inner: Codec | undefined;
  private opener: BlobOpener | undefined;
  private readonly hash: Hash = createHash('sha256');
  private plainBytes = 0;
  private probe: Buffer[] = [];
  private probeBytes = 0;
  private digestHex: string | undefined;
  /** What the input turned out to be (`auto` decides on its first bytes). */
  kind: 'plaintext' | 'blob' | undefined;

  constructor(private readonly opts: IngestOptions) {
    if (opts.input !== 'auto') this.choose(opts.input);
  }

  get bytes(): number {
    return this.opener ? this.opener.bytes : this.plainBytes;
  }

  digest(): string {
    this.digestHex ??= this.opener ? this.opener.digest()! : this.hash.digest('hex');
    return this.digestHex;
  }

  update(chunk: Buffer, push: (bytes: Buffer) => void): void {
    if (!this.kind) {
      this.probe.push(chunk);
      this.probeBytes += chunk.length;
      if (this.probeBytes < MAGIC_PROBE_BYTES) return;
      this.decide(push);
      return;
    }
    this.feed(chunk, push);
  }

  end(push: (bytes: Buffer) => void): void {
    if (!this.kind) this.decide(push);
    if (this.inner) this.inner.end(push);
  }

  private decide(push: (bytes: Buffer) => void): void {
    const first = Buffer.concat(this.probe);
    this.choose(hasBlobMagic(first) ? 'blob' : 'plaintext');
    this.probe = [];
    if (first.length > 0) this.feed(first, push);
  }

  private choose(kind: 'plaintext' | 'blob'): void {
    this.kind = kind;
    const { keyring, maxBytes, expectedSize } = this.opts;
    if (kind === 'blob') {
      if (!keyring) throw new IntegrityError('segment', 'plaintext', 'an encrypted blob, and this store has no master key');
      this.opener = new BlobOpener({ keys: keyring, output: 'verify', maxBytes, expectedSize, hash: true });
      this.inner = this.opener;
    } else if (this.opts.encrypt && keyring) {
      this.inner = new BlobSealer(keyring.current);
    }
  }

  private feed(chunk: Buffer, push: (bytes: Buffer) => void): void {
    if (this.kind === 'plaintext') {
      const next = this.plainBytes + chunk.length;
      const { maxBytes, expectedSize } = this.opts;
      // As HashingMeter: the chunk that crosses a limit is refused, and nothing of it goes on.
      if (maxBytes !== undefined && next > maxBytes) throw new TooLargeError(maxBytes);
      if (expectedSize !== undefined && next > expectedSize) throw new IntegrityError('size', expectedSize, next);
      this.plainBytes = next;
      this.hash.update(chunk);
      if (!this.inner) {
        push(chunk);
        return;
      }
    }
    this.inner!.update(chunk, push);
  }
}
