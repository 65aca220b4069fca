import { createHash, type Hash } from 'node:crypto';

/** Uploads whose running hash a coordinator keeps at most (each a few hundred bytes). */
const MAX_HASHES = 1024;

/**
 * The SHA-256 of each upload's plaintext so far, kept by the coordinator that has seen every
 * byte since offset 0, so that the last PATCH checks the whole file without reading it back.
 * A PATCH works on a copy and stores it only once its offset is durable: a PATCH that fails
 * leaves the hash where the offset stays. Bounded: the oldest go first, and an upload whose
 * hash is gone (or that another node carried on) is hashed from its partial at the end.
 */
export class RunningHashes {
  private readonly hashes = new Map<string, { offset: number; hash: Hash }>();

  /** A fresh hash for a new upload. */
  start(uploadId: string): void {
    this.set(uploadId, 0, createHash('sha256'));
  }

  /** A copy of the hash of the first `offset` bytes, when this node has it. */
  at(uploadId: string, offset: number): Hash | undefined {
    const entry = this.hashes.get(uploadId);
    if (entry?.offset === offset) return entry.hash.copy();
    return offset === 0 ? createHash('sha256') : undefined;
  }

  set(uploadId: string, offset: number, hash: Hash): void {
    this.hashes.delete(uploadId);
    this.hashes.set(uploadId, { offset, hash });
    if (this.hashes.size > MAX_HASHES) this.hashes.delete(this.hashes.keys().next().value!);
  }

  forget(uploadId: string): void {
    this.hashes.delete(uploadId);
  }
}
