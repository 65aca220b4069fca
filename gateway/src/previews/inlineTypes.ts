/**
 * Which files the gateway serves inline (`?inline=1`) and as what type. Only types a browser
 * shows without running anything of the file: pictures other than SVG, PDF, audio, video, and
 * text, which always goes out as text/plain so that HTML, SVG or script in it is shown as its
 * source. Everything else stays an attachment.
 */
import { attachmentDisposition } from '../files/contentDisposition';

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'image/x-icon', 'image/vnd.microsoft.icon']);

/** Text under a non-text type: served as text/plain. */
const TEXT_TYPES = new Set([
  'application/json',
  'application/ld+json',
  'application/xml',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/typescript',
  'application/x-sh',
  'application/x-shellscript',
  'application/x-yaml',
  'application/yaml',
  'application/toml',
  'application/sql',
  'application/x-httpd-php',
  'application/x-python',
  'application/x-ndjson',
  'application/csv',
]);

/** Types that a browser would render as a document of our origin: never inline, not even as text. */
const DOCUMENT_TYPES = new Set(['text/html', 'application/xhtml+xml', 'image/svg+xml']);

/** Labels that say nothing about the content (browsers send no type for .md, .py…): the name decides. */
const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'video/mp2t']);
const TEXT_EXTENSIONS = new Set([
  'txt', 'md', 'markdown', 'rst', 'log', 'csv', 'tsv', 'json', 'jsonl', 'ndjson', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf', 'env',
  'xml', 'ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs', 'vue', 'svelte', 'css', 'scss', 'less', 'py', 'rb', 'go', 'rs', 'java',
  'kt', 'kts', 'scala', 'c', 'h', 'cc', 'cpp', 'hpp', 'cs', 'swift', 'php', 'pl', 'lua', 'r', 'sql', 'sh', 'bash', 'zsh', 'fish',
  'ps1', 'bat', 'dockerfile', 'makefile', 'gradle', 'tex', 'diff', 'patch', 'gitignore', 'editorconfig', 'properties', 'srt', 'vtt',
]);

export const TEXT_PLAIN = 'text/plain; charset=utf-8';

/** The bare, lower-cased media type of a Content-Type value. */
export function mediaType(mime: string | undefined): string {
  return (mime ?? '').split(';')[0]!.trim().toLowerCase();
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 ? name.slice(dot + 1) : name).toLowerCase();
}

/** The Content-Type to serve a file inline with, or undefined when it must stay an attachment. */
export function inlineContentType(mime: string | undefined, name: string): string | undefined {
  const type = mediaType(mime);
  if (DOCUMENT_TYPES.has(type)) return undefined;
  if (IMAGE_TYPES.has(type) || type === 'application/pdf' || type.startsWith('audio/') || type.startsWith('video/')) {
    // A .py labelled video/mp2t (the .ts clash) is text; a real MPEG-TS keeps its type.
    if (!(GENERIC_TYPES.has(type) && TEXT_EXTENSIONS.has(extensionOf(name)))) return type;
  }
  if (type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+json')) return TEXT_PLAIN;
  if (GENERIC_TYPES.has(type) && TEXT_EXTENSIONS.has(extensionOf(name))) return TEXT_PLAIN;
  return undefined;
}

/**
 * What an inline answer may do in the browser: nothing. `sandbox` gives the document an opaque
 * origin with no script, so even a file that a browser sniffs or renders unexpectedly cannot act
 * as the dashboard; media and pictures load from us only, and only our pages may frame it.
 */
export const INLINE_CONTENT_SECURITY_POLICY = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'";

export interface DownloadPresentation {
  /** Content-Disposition: inline for a preview of a safe type, attachment otherwise. */
  disposition: string;
  /** Headers that win over the node's: the served type and the sandbox. */
  overrides: Record<string, string>;
}

/**
 * How a download goes out (see fileDownload.ts relayBlobStream): `inline` asks for a preview,
 * granted only for the types above. The sandbox goes on every download, attachment or not: a
 * browser that renders one anyway must not run it as our origin.
 */
export function downloadPresentation(mime: string | undefined, name: string, inline: boolean): DownloadPresentation {
  const type = inline ? inlineContentType(mime, name) : undefined;
  const attachment = attachmentDisposition(name);
  const overrides: Record<string, string> = { 'Content-Security-Policy': INLINE_CONTENT_SECURITY_POLICY };
  if (type === undefined) return { disposition: attachment, overrides };
  overrides['Content-Type'] = type;
  return { disposition: attachment.replace(/^attachment;/, 'inline;'), overrides };
}
