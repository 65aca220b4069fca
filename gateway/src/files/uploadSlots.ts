/**
 * Uploads in flight per user (DESIGN §9): one user's many slow or stalled uploads must not
 * take the sockets, memory and disk bandwidth that everyone else's requests need. A slot is
 * held from the first byte of the request until its connection closes, however it ends.
 */
export class UploadSlots {
  private readonly inFlight = new Map<string, number>();

  constructor(readonly perUser: number) {}

  /** Takes a slot; returns its release (idempotent), or undefined when the user has none left. */
  acquire(userId: string): (() => void) | undefined {
    const held = this.inFlight.get(userId) ?? 0;
    if (held >= this.perUser) return undefined;
    this.inFlight.set(userId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(userId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(userId, left);
      else this.inFlight.delete(userId);
    };
  }

  held(userId: string): number {
    return this.inFlight.get(userId) ?? 0;
  }
}
