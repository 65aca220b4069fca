/**
 * Turns the stream of gossip / replication events into a few dots to animate. Gossip runs
 * several times a second per link, so without a throttle the map would fill with dots and the
 * browser would spend its time animating: at most one dot per direction and kind per
 * `minGapMs`, and at most `maxDots` in flight; the rest are dropped, not queued (a late dot
 * would show traffic that is already over).
 */
export type ActivityKind = 'gossip' | 'replication';

export interface ActivityDot {
  id: number;
  kind: ActivityKind;
  from: string;
  to: string;
  /** When the dot has arrived and can be removed (ms, same clock as `offer`). */
  until: number;
}

export interface ActivityQueueOptions {
  minGapMs?: number;
  maxDots?: number;
  durationMs?: number;
}

export class ActivityQueue {
  private readonly lastShown = new Map<string, number>();
  private dots: ActivityDot[] = [];
  private nextId = 1;
  readonly minGapMs: number;
  readonly maxDots: number;
  readonly durationMs: number;

  constructor(opts: ActivityQueueOptions = {}) {
    this.minGapMs = opts.minGapMs ?? 500;
    this.maxDots = opts.maxDots ?? 12;
    this.durationMs = opts.durationMs ?? 1_200;
  }

  /** The dot to show for this event, or null when it is throttled away. */
  offer(event: { kind: ActivityKind; from: string; to: string }, now: number): ActivityDot | null {
    this.expire(now);
    if (event.from === event.to) return null;
    const key = `${event.kind}:${event.from}>${event.to}`;
    const last = this.lastShown.get(key);
    if (last !== undefined && now - last < this.minGapMs) return null;
    if (this.dots.length >= this.maxDots) return null;
    this.lastShown.set(key, now);
    const dot: ActivityDot = { id: this.nextId++, kind: event.kind, from: event.from, to: event.to, until: now + this.durationMs };
    this.dots.push(dot);
    return dot;
  }

  /** Drops the dots that have arrived; returns those still travelling. */
  expire(now: number): readonly ActivityDot[] {
    this.dots = this.dots.filter((d) => d.until > now);
    return this.dots;
  }

  get active(): readonly ActivityDot[] {
    return this.dots;
  }
}
