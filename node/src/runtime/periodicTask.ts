import type { Logger } from 'pino';

/**
 * A background pass run every `intervalMs` after the previous one ends (never two at once),
 * which tests can also run by hand. A pass that throws is logged and tried again next time.
 * Subclasses write the pass and check `stopped` between steps of a long one.
 */
export abstract class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  protected stopped = false;

  constructor(private readonly opts: { intervalMs: number; logger: Logger; what: string }) {}

  protected abstract pass(): Promise<void>;

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops the timer and waits for a pass in progress (which should check `isStopped`). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass now; concurrent callers share it. */
  runOnce(): Promise<void> {
    this.running ??= this.pass()
      .catch((error: unknown) => this.opts.logger.warn({ err: error }, `${this.opts.what} failed; will try again`))
      .finally(() => (this.running = null));
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.runOnce().finally(() => this.schedule()), this.opts.intervalMs);
    this.timer.unref();
  }
}
