/**
 * Which files the gateway serves inline (`?inline=1`) and as what type. Only types a browser
 * shows without running anything of the file: pictures other than SVG, PDF, audio, video, and
 * text, which always goes out as text/plain so that HTML, SVG or script in it is shown as its
 * source. Everything else stays an attachment.
 */
import { mediaType, previewKind } from '../../../common/previews/previewKind';
import { attachmentDisposition } from '../files/contentDisposition';

export { mediaType };

export const TEXT_PLAIN = 'text/plain; charset=utf-8';

/** The Content-Type to serve a file inline with, or undefined when it must stay an attachment. */
export function inlineContentType(mime: string | undefined, name: string): string | undefined {
  switch (previewKind(mime, name)) {
    case 'image':
    case 'pdf':
    case 'audio':
    case 'video':
      return mediaType(mime);
    case 'text':
      return TEXT_PLAIN;
    case 'none':
      return undefined;
  }
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
