import type { ShareRecord } from './shareStore';

/** One download that counts against its link's limit, from its first byte to its last. */
export interface DownloadTicket {
  /** The last byte went out: the link's count goes up (and is written). */
  complete(): Promise<void>;
  /** It broke off: the place goes back to the link. */
  cancel(): void;
}

/**
 * A link's download limit under concurrency: a download takes a place before its first byte
 * (so that a link allowing 1 download cannot serve 100 that started together) and only a
 * completed one is counted; one cut short gives its place back. Places in flight are in
 * memory: a restart forgets them, and their downloads die with the process anyway.
 */
export class DownloadLimits {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly commit: () => Promise<void>) {}

  /** Counted downloads alone: a link whose count reached its limit is used up for good. */
  static usedUp(share: ShareRecord): boolean {
    return share.maxDownloads !== null && share.downloads >= share.maxDownloads;
  }

  /** Downloads the link still allows beyond those counted and in flight; null = no limit. */
  left(share: ShareRecord): number | null {
    if (share.maxDownloads === null) return null;
    return Math.max(0, share.maxDownloads - share.downloads - (this.inFlight.get(share.id) ?? 0));
  }

  /** A place for one download, or undefined when every place is counted or taken. */
  reserve(share: ShareRecord): DownloadTicket | undefined {
    const left = this.left(share);
    if (left !== null && left <= 0) return undefined;
    this.inFlight.set(share.id, (this.inFlight.get(share.id) ?? 0) + 1);
    let settled = false;
    const release = () => {
      const held = (this.inFlight.get(share.id) ?? 1) - 1;
      if (held > 0) this.inFlight.set(share.id, held);
      else this.inFlight.delete(share.id);
    };
    return {
      complete: async () => {
        if (settled) return;
        settled = true;
        release();
        share.downloads++;
        await this.commit();
      },
      cancel: () => {
        if (settled) return;
        settled = true;
        release();
      },
    };
  }
}
