import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { formatMetadataHeader, parseChecksumHeader, parseCreationHeaders, parseMetadataHeader, parsePatchHeaders, speaksTus } from './tusProtocol';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof AppError ? `${error.status} ${error.code}` : 'other';
  }
  return 'ok';
};

describe('Upload-Metadata', () => {
  it('decodes base64 UTF-8 values and keys without a value', () => {
    expect(parseMetadataHeader(`filename ${b64('café ☀.txt')},filetype ${b64('text/plain')},flag`)).toEqual({ filename: 'café ☀.txt', filetype: 'text/plain', flag: '' });
    expect(parseMetadataHeader(undefined)).toEqual({});
  });

  it('refuses duplicates, bad base64 and values that are not UTF-8', () => {
    expect(codeOf(() => parseMetadataHeader(`a ${b64('x')},a ${b64('y')}`))).toBe('400 invalid_request');
    expect(codeOf(() => parseMetadataHeader('a abc'))).toBe('400 invalid_request');
    expect(codeOf(() => parseMetadataHeader('a !!!!'))).toBe('400 invalid_request');
    expect(codeOf(() => parseMetadataHeader(`a ${Buffer.from([0xff, 0xfe]).toString('base64')}`))).toBe('400 invalid_request');
  });

  it('round-trips through the header HEAD answers with', () => {
    const header = formatMetadataHeader({ filename: 'ü.bin', folder: null, filetype: 'application/x' });
    expect(parseMetadataHeader(header)).toEqual({ filename: 'ü.bin', filetype: 'application/x' });
  });
});

describe('creation headers', () => {
  const headers = (metadata: Record<string, string>, length: string | null = '10') => ({
    'upload-length': length ?? undefined,
    'upload-metadata': Object.entries(metadata)
      .map(([k, v]) => `${k} ${b64(v)}`)
      .join(','),
  });

  it('reads the length and the metadata the gateway knows', () => {
    const sha = 'AB'.repeat(32);
    expect(parseCreationHeaders(headers({ filename: 'a.txt', folder: 'root', sha256: sha, onConflict: 'rename' }))).toEqual({
      length: 10,
      metadata: { filename: 'a.txt', folder: 'root', sha256: sha.toLowerCase(), onConflict: 'rename' },
    });
  });

  it('needs a file name that is a valid item name, a folder id and a byte count', () => {
    expect(codeOf(() => parseCreationHeaders(headers({})))).toBe('400 invalid_request');
    expect(codeOf(() => parseCreationHeaders(headers({ filename: '../x' })))).toBe('400 invalid_request');
    expect(codeOf(() => parseCreationHeaders(headers({ filename: 'a', folder: '../../etc' })))).toBe('400 invalid_request');
    expect(codeOf(() => parseCreationHeaders(headers({ filename: 'a', unknown: 'x' })))).toBe('400 invalid_request');
    expect(codeOf(() => parseCreationHeaders(headers({ filename: 'a' }, '-1')))).toBe('400 invalid_request');
    expect(codeOf(() => parseCreationHeaders(headers({ filename: 'a' }, '1e3')))).toBe('400 invalid_request');
    expect(codeOf(() => parseCreationHeaders(headers({ filename: 'a' }, null)))).toBe('400 invalid_request');
    expect(codeOf(() => parseCreationHeaders({ ...headers({ filename: 'a' }), 'upload-defer-length': '1' }))).toBe('400 invalid_request');
  });
});

describe('PATCH headers', () => {
  const patch = { 'content-type': 'application/offset+octet-stream', 'upload-offset': '5', 'content-length': '3' };

  it('reads the offset, the length and a sha256 checksum as hex', () => {
    const digest = crypto.createHash('sha256').update('abc').digest();
    expect(parsePatchHeaders({ ...patch, 'upload-checksum': `sha256 ${digest.toString('base64')}` }, { needsOffset: true })).toEqual({
      offset: 5,
      contentLength: 3,
      chunkSha256: digest.toString('hex'),
    });
  });

  it('answers 415 to another content type and 400 to a bad offset or checksum', () => {
    expect(codeOf(() => parsePatchHeaders({ ...patch, 'content-type': 'application/octet-stream' }, { needsOffset: true }))).toBe('415 unsupported_media_type');
    expect(codeOf(() => parsePatchHeaders({ ...patch, 'content-type': undefined }, { needsOffset: true }))).toBe('415 unsupported_media_type');
    expect(codeOf(() => parsePatchHeaders({ ...patch, 'upload-offset': undefined }, { needsOffset: true }))).toBe('400 invalid_request');
    expect(codeOf(() => parsePatchHeaders({ ...patch, 'upload-offset': '+5' }, { needsOffset: true }))).toBe('400 invalid_request');
    expect(codeOf(() => parseChecksumHeader(`md5 ${Buffer.alloc(16).toString('base64')}`))).toBe('400 invalid_request');
    expect(codeOf(() => parseChecksumHeader(`sha256 ${Buffer.alloc(16).toString('base64')}`))).toBe('400 invalid_request');
  });

  it('knows the version it speaks', () => {
    expect(speaksTus({ 'tus-resumable': '1.0.0' })).toBe(true);
    expect(speaksTus({ 'tus-resumable': '0.2.2' })).toBe(false);
    expect(speaksTus({})).toBe(false);
  });
});
