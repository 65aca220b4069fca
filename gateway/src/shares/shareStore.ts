import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Low } from 'lowdb';
import { z } from 'zod';
import { openJsonStore } from '../store/openJsonStore';

export const SHARES_FILE_NAME = 'shares.json';

const shareRecordSchema = z.object({
  id: z.uuid(),
  /**
   * Kept so that the owner can copy the link again from "Shared by me"; the file is 0600 like
   * the accounts file. Lookups go through its hash (see `byToken`).
   */
  token: z.string().min(22),
  ownerId: z.string().min(1),
  itemId: z.uuid(),
  kind: z.enum(['file', 'folder']),
  /** The name when shared: what the owner's list shows once the item is gone. */
  itemName: z.string(),
  passwordHash: z.string().nullable(),
  /** Bumped whenever the password changes: unlock cookies made for an older one stop working. */
  passwordVersion: z.number().int().min(0),
  expiresAt: z.iso.datetime({ offset: true }).nullable(),
  maxDownloads: z.number().int().min(1).nullable(),
  downloads: z.number().int().min(0),
  uploadOnly: z.boolean(),
  createdAt: z.iso.datetime({ offset: true }),
});
export type ShareRecord = z.infer<typeof shareRecordSchema>;

const sharesDataSchema = z.object({ shares: z.array(shareRecordSchema) });
type SharesData = z.infer<typeof sharesDataSchema>;

const tokenKey = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Share links in one lowdb file under the gateway's directory (DESIGN §8), written atomically
 * (DurableJsonFile: 0600, fsynced, renamed into place). Lookups return the live records:
 * callers change them and `commit()`. Commits coalesce: while one write is on its way to disk
 * every change made meanwhile waits for the next, so a burst of downloads costs two writes,
 * not one per download, and every caller still resolves only once its change is on disk.
 */
export class ShareStore {
  private readonly byTokenKey = new Map<string, ShareRecord>();
  private writing: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  private constructor(
    readonly file: string,
    private readonly db: Low<SharesData>,
  ) {
    for (const share of db.data.shares) this.byTokenKey.set(tokenKey(share.token), share);
  }

  static async open(gatewayDir: string): Promise<ShareStore> {
    const file = path.join(gatewayDir, SHARES_FILE_NAME);
    return new ShareStore(file, await openJsonStore(file, sharesDataSchema, () => ({ shares: [] })));
  }

  /** A hash-map lookup on the token's hash: the time it takes says nothing about how close a guess was. */
  byToken(token: string): ShareRecord | undefined {
    return this.byTokenKey.get(tokenKey(token));
  }

  byId(id: string): ShareRecord | undefined {
    return this.db.data.shares.find((share) => share.id === id);
  }

  ofOwner(ownerId: string): ShareRecord[] {
    return this.db.data.shares.filter((share) => share.ownerId === ownerId);
  }

  add(share: ShareRecord): void {
    this.db.data.shares.push(share);
    this.byTokenKey.set(tokenKey(share.token), share);
  }

  remove(id: string): void {
    const share = this.byId(id);
    if (!share) return;
    this.db.data.shares = this.db.data.shares.filter((s) => s.id !== id);
    this.byTokenKey.delete(tokenKey(share.token));
  }

  commit(): Promise<void> {
    if (!this.writing) {
      this.writing = this.db.write().finally(() => (this.writing = undefined));
      return this.writing;
    }
    // A write is under way with an older snapshot: one more follows it for everyone who changed since.
    this.next ??= this.writing
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.commit();
      });
    return this.next;
  }
}
