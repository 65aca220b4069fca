import { fsyncDir } from '../../../common/durable/durableFs';

interface DirectoryState {
  running: Promise<void> | null;
  queued: Promise<void> | null;
}

/**
 * Group commit for directory entries. A rename is durable once its directory is fsynced; many
 * small uploads into one user's directory would each pay for an fsync of their own. Here one
 * fsync covers every rename made before it started: a caller arriving while one runs joins
 * the single next one (the running fsync may have begun before its rename).
 */
export class DirectorySyncer {
  private readonly dirs = new Map<string, DirectoryState>();

  sync(dir: string): Promise<void> {
    let state = this.dirs.get(dir);
    if (!state) {
      state = { running: null, queued: null };
      this.dirs.set(dir, state);
    }
    if (!state.running) return this.start(dir, state);
    const current = state;
    current.queued ??= current.running!.then(ignore, ignore).then(() => {
      current.queued = null;
      return this.start(dir, current);
    });
    return current.queued;
  }

  private start(dir: string, state: DirectoryState): Promise<void> {
    const run = fsyncDir(dir).finally(() => {
      if (state.running === run) state.running = null;
      if (!state.running && !state.queued) this.dirs.delete(dir);
    });
    state.running = run;
    return run;
  }
}

function ignore(): void {}
