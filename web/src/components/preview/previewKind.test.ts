import { describe, expect, it } from 'vitest';
import { previewKind } from '../../../../common/previews/previewKind';
import { trimPartialCharacter } from './textHead';

describe('previewKind', () => {
  it('shows pictures, PDF, audio and video by their type', () => {
    expect(previewKind('image/jpeg', 'a.jpg')).toBe('image');
    expect(previewKind('application/pdf', 'a.pdf')).toBe('pdf');
    expect(previewKind('audio/mpeg', 'a.mp3')).toBe('audio');
    expect(previewKind('video/mp4', 'a.mp4')).toBe('video');
  });

  it('never shows SVG or HTML, which are documents that can run script', () => {
    expect(previewKind('image/svg+xml', 'a.svg')).toBe('none');
    expect(previewKind('text/html', 'a.html')).toBe('none');
    expect(previewKind('text/html; charset=utf-8', 'a.txt')).toBe('none');
  });

  it('reads text and code by type, or by name when the type says nothing', () => {
    expect(previewKind('text/plain', 'notes')).toBe('text');
    expect(previewKind('application/json', 'a.json')).toBe('text');
    expect(previewKind('application/octet-stream', 'main.py')).toBe('text');
    expect(previewKind('', 'README.md')).toBe('text');
    expect(previewKind('application/octet-stream', 'archive.bin')).toBe('none');
    expect(previewKind('application/zip', 'code.py')).toBe('none');
  });
});

describe('trimPartialCharacter', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  it('drops a character cut in half and keeps whole ones', () => {
    const euro = bytes('a€'); // 61 e2 82 ac
    expect([...trimPartialCharacter(euro.subarray(0, 3))]).toEqual([0x61]);
    expect([...trimPartialCharacter(euro.subarray(0, 2))]).toEqual([0x61]);
    expect([...trimPartialCharacter(euro)]).toEqual([...euro]);
    expect([...trimPartialCharacter(bytes('abc'))]).toEqual([...bytes('abc')]);
  });
});
