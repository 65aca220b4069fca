/**
 * What a browser can show of a file, from its type and name: one rule for both sides, so that
 * the dashboard offers a preview exactly when the gateway serves the file inline
 * (gateway/src/previews/inlineTypes.ts). Pure, no Node or DOM: the dashboard bundles it too.
 * SVG and HTML are never shown: they are documents that can carry script, not pictures.
 */
export type PreviewKind = 'image' | 'pdf' | 'text' | 'audio' | 'video' | 'none';

/** Pictures every current browser decodes in an <img>. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'image/x-icon', 'image/vnd.microsoft.icon']);

/** Text under a non-text type, as browsers and servers label it. */
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

/** Names that are text whatever type the upload was labelled with (browsers often send none). */
const TEXT_EXTENSIONS = new Set([
  'txt', 'md', 'markdown', 'rst', 'log', 'csv', 'tsv', 'json', 'jsonl', 'ndjson', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf', 'env',
  'xml', 'ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs', 'vue', 'svelte', 'css', 'scss', 'less', 'py', 'rb', 'go', 'rs', 'java',
  'kt', 'kts', 'scala', 'c', 'h', 'cc', 'cpp', 'hpp', 'cs', 'swift', 'php', 'pl', 'lua', 'r', 'sql', 'sh', 'bash', 'zsh', 'fish',
  'ps1', 'bat', 'dockerfile', 'makefile', 'gradle', 'tex', 'diff', 'patch', 'gitignore', 'editorconfig', 'properties', 'srt', 'vtt',
]);

/** Labels that say nothing about the content: the name decides then. */
const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'video/mp2t']);

function extensionOf(name: string): string {
  const base = name.toLowerCase().split('/').pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot >= 0 ? base.slice(dot + 1) : base;
}

/** The bare, lower-cased media type of a Content-Type value. */
export function mediaType(mime: string | undefined): string {
  return (mime ?? '').split(';')[0]!.trim().toLowerCase();
}

export function previewKind(mime: string | undefined, name: string): PreviewKind {
  const type = mediaType(mime);
  if (IMAGE_TYPES.has(type)) return 'image';
  if (type === 'application/pdf') return 'pdf';
  // An HTML page is never rendered (it would be a page of ours), nor shown as source.
  if (type === 'text/html' || type === 'application/xhtml+xml' || type === 'image/svg+xml') return 'none';
  if (GENERIC_TYPES.has(type) && TEXT_EXTENSIONS.has(extensionOf(name))) return 'text';
  if (type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+json')) return 'text';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  return 'none';
}

export const isPreviewable = (mime: string | undefined, name: string) => previewKind(mime, name) !== 'none';
