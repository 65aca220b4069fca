import { PassThrough, Writable } from 'node:stream';

/**
 * One source, several destinations (the local disk and each peer), at the pace of the
 * slowest live one: a chunk is accepted only when every branch has taken it, so memory stays
 * flat. A branch that fails is dropped and the others go on: a replica dying mid-upload must
 * not fail an upload that can still reach its write quorum.
 */
export class FanOut extends Writable {
  private readonly branches = new Map<string, PassThrough>();

  /** `given`: branches whose consumers are already reading (a resumable upload's standby appends). */
  constructor(names: readonly string[], given: ReadonlyMap<string, PassThrough> = new Map()) {
    super({ highWaterMark: 64 * 1024 });
    for (const name of names) {
      const branch = given.get(name) ?? new PassThrough({ highWaterMark: 256 * 1024 });
      // A consumer attaches its own error handling only once it starts reading (the blob store
      // opens its temp file first); a branch destroyed before that, when the client goes away,
      // would otherwise emit an unhandled 'error' and kill the process. The consumer still
      // sees the failure: reading a destroyed stream rejects.
      branch.on('error', ignoreBranchError);
      branch.once('close', () => this.branches.delete(name));
      this.branches.set(name, branch);
    }
  }

  branch(name: string): PassThrough {
    const branch = this.branches.get(name);
    if (!branch) throw new Error(`no branch ${name}`);
    return branch;
  }

  get liveBranches(): number {
    return this.branches.size;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.branches.size === 0) {
      callback(new Error('every destination failed'));
      return;
    }
    const waits: Promise<void>[] = [];
    for (const branch of this.branches.values()) {
      if (branch.destroyed) continue;
      if (!branch.write(chunk)) {
        waits.push(
          new Promise((resolve) => {
            const done = () => {
              branch.off('drain', done);
              branch.off('close', done);
              resolve();
            };
            branch.on('drain', done);
            branch.on('close', done);
          }),
        );
      }
    }
    if (waits.length === 0) callback();
    else void Promise.all(waits).then(() => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    for (const branch of this.branches.values()) branch.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A Writable also auto-destroys after a clean finish; then the branches still hold data
    // their consumers have not read, and must be left to drain.
    if (error) for (const branch of this.branches.values()) branch.destroy(error);
    callback(error);
  }
}

function ignoreBranchError(): void {}
