import { z } from 'zod';

/**
 * The stream a coordinator sends a holder for one PATCH (POST /v1/partials/…/append), as
 * frames: kind (1 byte) ‖ payload length (u32) ‖ payload. The bytes of a client can stop at any
 * point, so what was sent is only known at the end; the frames say where data ends and what
 * the holder records once it is on its disk. Kinds are only appended.
 *
 *   BASE    first, once: JSON {from, tail} — the offset the coordinator goes on from, and the
 *           sealed tail at that offset (a holder ahead of it falls back to it first).
 *   DATA    ciphertext to append: sealed segments, or a lagging holder's missing bytes.
 *   PING    nothing: the coordinator is alive (the holder's lease on the upload is renewed).
 *   COMMIT  last: JSON {offset, sealed, tail} — what the holder fsyncs and records.
 */
export const FRAME = { BASE: 1, DATA: 2, PING: 3, COMMIT: 4 } as const;
export type FrameKind = (typeof FRAME)[keyof typeof FRAME];

const FRAME_HEAD_BYTES = 5;
/** A frame's payload is at most a segment and its tag (4 MiB segments at most) or a small JSON. */
export const MAX_FRAME_PAYLOAD = 4 * 1024 * 1024 + 64 * 1024;

const base64 = z.string().max(2 * MAX_FRAME_PAYLOAD).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
export const baseFrameSchema = z.strictObject({ from: z.number().int().min(0), tail: base64 });
export const commitFrameSchema = z.strictObject({ offset: z.number().int().min(0), sealed: z.boolean(), tail: base64 });
export type BaseFrame = z.infer<typeof baseFrameSchema>;
export type CommitFrame = z.infer<typeof commitFrameSchema>;

export function frame(kind: FrameKind, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(FRAME_HEAD_BYTES);
  head[0] = kind;
  head.writeUInt32BE(payload.length, 1);
  return payload.length === 0 ? head : Buffer.concat([head, payload]);
}

export function jsonFrame(kind: typeof FRAME.BASE | typeof FRAME.COMMIT, value: BaseFrame | CommitFrame): Buffer {
  return frame(kind, Buffer.from(JSON.stringify(value)));
}

/** The head of a DATA frame, so a caller can send the payload after it without copying. */
export function dataHead(length: number): Buffer {
  const head = Buffer.alloc(FRAME_HEAD_BYTES);
  head[0] = FRAME.DATA;
  head.writeUInt32BE(length, 1);
  return head;
}

export class FrameError extends Error {}

/**
 * Pure: cuts a byte stream back into frames. DATA payloads are handed out as they come (in
 * pieces: a frame may span chunks), the others whole. Anything malformed throws FrameError.
 */
export class FrameReader {
  private head = Buffer.alloc(FRAME_HEAD_BYTES);
  private headBytes = 0;
  private kind: number | undefined;
  private left = 0;
  private control: Buffer[] = [];

  constructor(
    private readonly on: {
      data(bytes: Buffer): void;
      control(kind: FrameKind, payload: Buffer): void;
    },
  ) {}

  update(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.kind === undefined) {
        const take = Math.min(chunk.length - at, FRAME_HEAD_BYTES - this.headBytes);
        chunk.copy(this.head, this.headBytes, at, at + take);
        this.headBytes += take;
        at += take;
        if (this.headBytes < FRAME_HEAD_BYTES) return;
        this.start(this.head[0]!, this.head.readUInt32BE(1));
        continue;
      }
      const take = Math.min(chunk.length - at, this.left);
      const piece = chunk.subarray(at, at + take);
      at += take;
      this.left -= take;
      if (this.kind === FRAME.DATA) this.on.data(piece);
      else this.control.push(piece);
      if (this.left === 0) this.finish();
    }
  }

  /** True when the stream stopped between frames. */
  get atBoundary(): boolean {
    return this.kind === undefined && this.headBytes === 0;
  }

  private start(kind: number, length: number): void {
    if (!Object.values(FRAME).includes(kind as FrameKind)) throw new FrameError(`unknown frame kind ${kind}`);
    if (length > MAX_FRAME_PAYLOAD) throw new FrameError(`a frame of ${length} bytes is too long`);
    this.kind = kind;
    this.left = length;
    this.headBytes = 0;
    if (length === 0) this.finish();
  }

  private finish(): void {
    const kind = this.kind as FrameKind;
    this.kind = undefined;
    if (kind === FRAME.DATA) return;
    const payload = Buffer.concat(this.control);
    this.control = [];
    this.on.control(kind, payload);
  }
}
