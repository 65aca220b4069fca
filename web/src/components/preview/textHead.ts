/** How much of a text file a preview reads: enough to recognise it, never a whole log. */
export const TEXT_PREVIEW_BYTES = 256 * 1024;

export interface TextHead {
  text: string;
  /** The file goes on beyond what was read. */
  truncated: boolean;
}

/**
 * The first `limit` bytes of a text file as a string. Asks for them with a Range header and
 * still stops reading at `limit` should the server send everything; a character cut in half
 * at the end is dropped rather than shown as a replacement mark.
 */
export async function fetchTextHead(src: string, size: number, limit = TEXT_PREVIEW_BYTES, signal?: AbortSignal): Promise<TextHead> {
  const res = await fetch(src, { credentials: 'same-origin', headers: { Range: `bytes=0-${limit - 1}` }, signal });
  if (!res.ok) throw new Error(`The file could not be read (the server answered ${res.status}).`);
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let read = 0;
  while (reader && read < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    read += value.length;
  }
  if (read >= limit) await reader?.cancel().catch(() => undefined);
  const bytes = new Uint8Array(Math.min(read, limit));
  let at = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - at);
    bytes.set(part, at);
    at += part.length;
    if (at >= bytes.length) break;
  }
  const truncated = size > bytes.length;
  const text = new TextDecoder('utf-8').decode(truncated ? trimPartialCharacter(bytes) : bytes);
  return { text, truncated };
}

/** Drops the bytes of a UTF-8 sequence that the cut left unfinished. */
export function trimPartialCharacter(bytes: Uint8Array): Uint8Array {
  let i = bytes.length - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && (bytes[i]! & 0xc0) === 0x80) {
    i -= 1;
    continuation += 1;
  }
  if (i < 0) return bytes;
  const lead = bytes[i]!;
  const needs = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
  return needs > continuation ? bytes.subarray(0, i) : bytes;
}
