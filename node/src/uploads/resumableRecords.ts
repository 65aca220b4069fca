import type Database from 'better-sqlite3';
import type { UploadView } from '../api/uploads';
import type { PartialMeta, PartialState } from '../api/partials';

/** A holder's durable record of one resumable upload (migration 4). */
export interface PartialRecord {
  readonly uploadId: string;
  readonly userId: string;
  readonly length: number;
  readonly meta: PartialMeta;
  /** The finished blob's header: its wrapped data key, nonce base and segment size. */
  readonly header: Buffer;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Plaintext bytes durable here. */
  readonly offset: number;
  /** The sealed tail at `offset` (tailCipher.ts). */
  readonly tail: Buffer;
  readonly state: PartialState;
  readonly completion?: NonNullable<UploadView['completed']>;
}

interface Row {
  upload_id: string;
  user_id: string;
  length: number;
  meta: string;
  header: Buffer;
  created_at: number;
  expires_at: number;
  plain_offset: number;
  tail: Buffer;
  state: PartialState;
  completion: string | null;
}

function toRecord(row: Row): PartialRecord {
  return {
    uploadId: row.upload_id,
    userId: row.user_id,
    length: row.length,
    meta: JSON.parse(row.meta) as PartialMeta,
    header: row.header,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    offset: row.plain_offset,
    tail: row.tail,
    state: row.state,
    ...(row.completion ? { completion: JSON.parse(row.completion) as PartialRecord['completion'] } : {}),
  };
}

/**
 * The records table in the node's SQLite store. Why there and not a file beside each partial:
 * the offset and the sealed tail must change together (one transaction, where two files would
 * need an ordering protocol of their own), expiry needs an index by time rather than a walk of
 * every user's directory, and the store already fsyncs its write-ahead log off the event loop.
 * Every change is made durable (`sync`) before the caller acts on it.
 */
export class ResumableRecords {
  private readonly stmt;

  constructor(
    db: Database.Database,
    private readonly syncLog: () => Promise<void>,
  ) {
    this.stmt = {
      get: db.prepare<[string], Row>('SELECT * FROM resumable_uploads WHERE upload_id = ?'),
      insert: db.prepare(
        `INSERT INTO resumable_uploads (upload_id, user_id, length, meta, header, created_at, expires_at, plain_offset, tail, state, completion)
         VALUES (@upload_id, @user_id, @length, @meta, @header, @created_at, @expires_at, @plain_offset, @tail, @state, NULL)`,
      ),
      progress: db.prepare('UPDATE resumable_uploads SET plain_offset = ?, tail = ?, state = ? WHERE upload_id = ?'),
      state: db.prepare('UPDATE resumable_uploads SET state = ? WHERE upload_id = ?'),
      complete: db.prepare("UPDATE resumable_uploads SET state = 'completed', completion = ? WHERE upload_id = ?"),
      remove: db.prepare('DELETE FROM resumable_uploads WHERE upload_id = ?'),
      expired: db.prepare<[number, number, number, string, number], Row>(
        'SELECT * FROM resumable_uploads WHERE expires_at <= ? AND (expires_at > ? OR (expires_at = ? AND upload_id > ?)) ORDER BY expires_at, upload_id LIMIT ?',
      ),
    };
  }

  get(uploadId: string): PartialRecord | undefined {
    const row = this.stmt.get.get(uploadId);
    return row ? toRecord(row) : undefined;
  }

  async insert(record: PartialRecord): Promise<void> {
    this.stmt.insert.run({
      upload_id: record.uploadId,
      user_id: record.userId,
      length: record.length,
      meta: JSON.stringify(record.meta),
      header: record.header,
      created_at: record.createdAt,
      expires_at: record.expiresAt,
      plain_offset: record.offset,
      tail: record.tail,
      state: record.state,
    });
    await this.syncLog();
  }

  async setProgress(uploadId: string, offset: number, tail: Buffer, state: 'open' | 'sealed'): Promise<void> {
    this.stmt.progress.run(offset, tail, state, uploadId);
    await this.syncLog();
  }

  async setState(uploadId: string, state: PartialState): Promise<void> {
    this.stmt.state.run(state, uploadId);
    await this.syncLog();
  }

  async setCompleted(uploadId: string, completion: NonNullable<PartialRecord['completion']>): Promise<void> {
    this.stmt.complete.run(JSON.stringify(completion), uploadId);
    await this.syncLog();
  }

  async remove(uploadId: string): Promise<void> {
    this.stmt.remove.run(uploadId);
    await this.syncLog();
  }

  /** Records past their expiry at `now`, in expiry order, a page after `after` (an index range, never a scan). */
  expired(now: number, limit: number, after?: { expiresAt: number; uploadId: string }): PartialRecord[] {
    const at = after?.expiresAt ?? -1;
    return this.stmt.expired.all(now, at, at, after?.uploadId ?? '', limit).map(toRecord);
  }
}
