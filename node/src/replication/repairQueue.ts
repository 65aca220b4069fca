/** A job as it waits: ordered by copies, then by when its file first came in. */
interface Waiting<T> {
  key: string;
  copies: number;
  order: number;
  item: T;
}

/** One heap slot; stale once its job ran, or was pushed again with another count. */
interface Slot<T> {
  job: Waiting<T>;
  copies: number;
}

export interface RepairQueueOptions<T> {
  /** Jobs running at once. */
  concurrency: number;
  /** Jobs waiting at most; `push` refuses more (the paced sweep finds those files again). */
  maxWaiting: number;
  /** Does one job; a rejection is the job's own business (log it there), the queue goes on. */
  run: (item: T) => Promise<void>;
}

export type PushResult = 'queued' | 'updated' | 'again' | 'full';

/**
 * The repairs a node owes itself, one job per file: the files with the fewest stored copies
 * in the cluster first (the ones a further loss would cost), then in the order they came in,
 * at most `concurrency` at a time. A file pushed while its job runs is run once more after it
 * (its facts changed meanwhile: a new source may have appeared), never twice at once. Jobs
 * pushed in one turn of the event loop are ordered together before any of them starts.
 */
export class RepairQueue<T> {
  private readonly waiting = new Map<string, Waiting<T>>();
  /** Running jobs, and the job to run after each when its file was pushed meanwhile. */
  private readonly running = new Map<string, { copies: number; item: T } | null>();
  private readonly heap: Array<Slot<T>> = [];
  private order = 0;
  private pumpScheduled = false;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly roomWaiters: Array<() => void> = [];

  constructor(private readonly opts: RepairQueueOptions<T>) {
    if (!(opts.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
  }

  /** Jobs waiting for a turn. */
  get size(): number {
    return this.waiting.size;
  }

  /** Jobs running now. */
  get active(): number {
    return this.running.size;
  }

  /**
   * Asks for a job on `key`. A waiting job takes the latest count of copies (and keeps its
   * place among equals); a running one is run again afterwards; a full queue refuses.
   */
  push(key: string, copies: number, item: T): PushResult {
    if (this.running.has(key)) {
      this.running.set(key, { copies, item });
      return 'again';
    }
    const current = this.waiting.get(key);
    if (current) {
      current.item = item;
      if (current.copies !== copies) {
        current.copies = copies;
        this.heapPush({ job: current, copies });
      }
      return 'updated';
    }
    if (this.waiting.size >= this.opts.maxWaiting) return 'full';
    const job: Waiting<T> = { key, copies, order: this.order++, item };
    this.waiting.set(key, job);
    this.heapPush({ job, copies });
    this.schedulePump();
    return 'queued';
  }

  /** Resolves once fewer than `maxWaiting` jobs wait (at once when that is already so). */
  whenRoom(): Promise<void> {
    if (this.waiting.size < this.opts.maxWaiting) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves once nothing waits and nothing runs. */
  whenIdle(): Promise<void> {
    if (this.waiting.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Forgets every waiting job (running ones finish, and are not run again). */
  clear(): void {
    this.waiting.clear();
    this.heap.length = 0;
    for (const key of this.running.keys()) this.running.set(key, null);
    this.wake();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.running.size < this.opts.concurrency) {
      const job = this.next();
      if (!job) break;
      this.waiting.delete(job.key);
      this.start(job.key, job.item);
    }
    this.wake();
  }

  private start(key: string, item: T): void {
    this.running.set(key, null);
    let done: Promise<void>;
    try {
      done = this.opts.run(item);
    } catch (error) {
      done = Promise.reject(error);
    }
    void done
      .catch(() => undefined)
      .then(() => {
        const again = this.running.get(key);
        this.running.delete(key);
        if (again) this.push(key, again.copies, again.item);
        this.pump();
      });
  }

  /** The best waiting job, skipping stale heap slots. */
  private next(): Waiting<T> | undefined {
    while (this.heap.length > 0) {
      const slot = this.heapPop()!;
      if (this.waiting.get(slot.job.key) === slot.job && slot.job.copies === slot.copies) return slot.job;
    }
    return undefined;
  }

  private wake(): void {
    if (this.waiting.size < this.opts.maxWaiting) for (const resolve of this.roomWaiters.splice(0)) resolve();
    if (this.waiting.size === 0 && this.running.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private heapPush(slot: Slot<T>): void {
    const heap = this.heap;
    heap.push(slot);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private heapPop(): Slot<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let best = i;
        if (left < heap.length && before(heap[left]!, heap[best]!)) best = left;
        if (right < heap.length && before(heap[right]!, heap[best]!)) best = right;
        if (best === i) break;
        [heap[i], heap[best]] = [heap[best]!, heap[i]!];
        i = best;
      }
    }
    return top;
  }
}

function before<T>(a: Slot<T>, b: Slot<T>): boolean {
  return a.copies !== b.copies ? a.copies < b.copies : a.job.order < b.job.order;
}
