/**
 * `Content-Disposition: attachment` for any file name (RFC 6266 / 5987): an ASCII fallback
 * for old clients and the exact name in UTF-8 for everyone else. Quotes, backslashes, control
 * characters and path separators never reach the header raw.
 */
export function attachmentDisposition(name: string): string {
  const fallback =
    name
      .normalize('NFKD')
      .replace(/[^\x20-\x7e]/g, '')
      .replace(/["\\/]/g, '_')
      .trim() || 'download';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
