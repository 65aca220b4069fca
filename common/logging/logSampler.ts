import type { Logger } from 'pino';

interface Window {
  startedAt: number;
  logged: number;
  suppressed: number;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Warnings that outsiders can trigger at will (unsigned handshakes, fault changes) must not
 * flood the log or the disk: per kind of message, the first `burst` in each interval are
 * written, the rest are counted and summed up in one line when the interval ends.
 */
export class LogSampler {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: Logger,
    private readonly options: { burst?: number; intervalMs?: number; now?: () => number } = {},
  ) {}

  warn(kind: string, fields: Record<string, unknown>, message: string): void {
    const now = (this.options.now ?? Date.now)();
    const intervalMs = this.options.intervalMs ?? 10_000;
    let window = this.windows.get(kind);
    if (!window || now - window.startedAt >= intervalMs) {
      if (window) this.flush(kind, window);
      window = { startedAt: now, logged: 0, suppressed: 0 };
      this.windows.set(kind, window);
    }
    if (window.logged < (this.options.burst ?? 5)) {
      window.logged++;
      this.logger.warn(fields, message);
      return;
    }
    window.suppressed++;
    if (!window.timer) {
      const current = window;
      current.timer = setTimeout(() => this.flush(kind, current), intervalMs - (now - window.startedAt));
      current.timer.unref();
    }
  }

  private flush(kind: string, window: Window): void {
    clearTimeout(window.timer);
    window.timer = undefined;
    if (window.suppressed === 0) return;
    this.logger.warn({ kind, suppressed: window.suppressed }, `${window.suppressed} more "${kind}" warnings in the last ${Math.round((this.options.intervalMs ?? 10_000) / 1000)} s were not logged`);
    window.suppressed = 0;
    if (this.windows.get(kind) === window) this.windows.delete(kind);
  }
}
