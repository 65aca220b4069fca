/**
 * Tracks which sequence numbers of one stream have been seen: `mark` is the highest seq with
 * nothing missing below it, `above` holds the seqs seen past a gap. Facts arrive out of order
 * (jitter, loss, several paths), so the mark may only move once its gap is filled.
 */
export class SeqTracker {
  private markValue: number;
  private readonly above = new Set<number>();

  constructor(mark = 0, above: Iterable<number> = []) {
    this.markValue = mark;
    for (const seq of above) if (seq > mark) this.above.add(seq);
    this.drain();
  }

  get mark(): number {
    return this.markValue;
  }

  /** Highest seq seen at all, gaps included. */
  get max(): number {
    let max = this.markValue;
    for (const seq of this.above) if (seq > max) max = seq;
    return max;
  }

  has(seq: number): boolean {
    return seq <= this.markValue || this.above.has(seq);
  }

  /** Records one seq; returns false when it had been seen already. */
  add(seq: number): boolean {
    if (this.has(seq)) return false;
    if (seq === this.markValue + 1) {
      this.markValue = seq;
      this.drain();
    } else {
      this.above.add(seq);
    }
    return true;
  }

  /** Declares everything up to `seq` seen (see ReplicatedIndex.advance for why that is safe). */
  raiseTo(seq: number): void {
    if (seq <= this.markValue) return;
    this.markValue = seq;
    for (const s of this.above) if (s <= seq) this.above.delete(s);
    this.drain();
  }

  /** Seqs seen past the gap, ascending (for snapshots). */
  pending(): number[] {
    return [...this.above].sort((a, b) => a - b);
  }

  private drain(): void {
    while (this.above.delete(this.markValue + 1)) this.markValue++;
  }
}
