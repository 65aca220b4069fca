import { describe, expect, it } from 'vitest';
import { downloadPresentation, inlineContentType, TEXT_PLAIN } from './inlineTypes';

describe('inlineContentType', () => {
  it('keeps the type of pictures, PDF, audio and video', () => {
    expect(inlineContentType('image/jpeg', 'a.jpg')).toBe('image/jpeg');
    expect(inlineContentType('application/pdf', 'a.pdf')).toBe('application/pdf');
    expect(inlineContentType('audio/ogg', 'a.ogg')).toBe('audio/ogg');
    expect(inlineContentType('video/mp4', 'a.mp4')).toBe('video/mp4');
  });

  it('serves text and code as text/plain, whatever type they came with', () => {
    expect(inlineContentType('text/markdown', 'a.md')).toBe(TEXT_PLAIN);
    expect(inlineContentType('application/javascript', 'a.js')).toBe(TEXT_PLAIN);
    expect(inlineContentType('text/css; charset=utf-8', 'a.css')).toBe(TEXT_PLAIN);
    expect(inlineContentType('application/octet-stream', 'main.py')).toBe(TEXT_PLAIN);
    expect(inlineContentType('video/mp2t', 'index.ts')).toBe(TEXT_PLAIN);
  });

  it('never serves a document that a browser would run as our page', () => {
    expect(inlineContentType('text/html', 'a.html')).toBeUndefined();
    expect(inlineContentType('image/svg+xml', 'a.svg')).toBeUndefined();
    expect(inlineContentType('application/xhtml+xml', 'a.xhtml')).toBeUndefined();
    expect(inlineContentType('application/octet-stream', 'a.exe')).toBeUndefined();
    expect(inlineContentType('application/zip', 'a.py')).toBeUndefined();
  });
});

describe('downloadPresentation', () => {
  it('is inline only when asked and safe, and sandboxed always', () => {
    const shown = downloadPresentation('image/png', 'a.png', true);
    expect(shown.disposition).toMatch(/^inline; filename="a.png"/);
    expect(shown.overrides['Content-Type']).toBe('image/png');
    const html = downloadPresentation('text/html', 'a.html', true);
    expect(html.disposition).toMatch(/^attachment;/);
    expect(html.overrides['Content-Type']).toBeUndefined();
    const plain = downloadPresentation('image/png', 'a.png', false);
    expect(plain.disposition).toMatch(/^attachment;/);
    for (const each of [shown, html, plain]) expect(each.overrides['Content-Security-Policy']).toMatch(/^sandbox;/);
  });
});
