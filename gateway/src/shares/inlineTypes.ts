/**
 * The types a share page may show inline (`?inline=1`): pictures, PDF, plain text, audio and
 * video, which a browser renders without running anything of the file's. HTML, SVG, XML and
 * anything unknown could carry script and always come as an attachment. Text of any kind is
 * shown as text/plain. The answer also carries `Content-Security-Policy: sandbox`, so that
 * even a file opened on its own runs nothing in the gateway's origin.
 */
const INLINE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'application/pdf',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
  'audio/webm',
  'audio/flac',
  'audio/aac',
  'audio/mp4',
  'video/mp4',
  'video/webm',
  'video/ogg',
]);

const TEXT_TYPES: ReadonlySet<string> = new Set(['text/plain', 'text/markdown', 'text/csv', 'application/json']);

/** The Content-Type to preview a file of `mime` with, or undefined when it must be downloaded. */
export function inlineContentType(mime: string | undefined): string | undefined {
  const base = (mime ?? '').split(';')[0]!.trim().toLowerCase();
  if (INLINE_TYPES.has(base)) return base;
  if (TEXT_TYPES.has(base)) return 'text/plain; charset=utf-8';
  return undefined;
}
