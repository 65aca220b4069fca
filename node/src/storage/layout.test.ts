import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { blobPath, filesDir, isUuid, parseBlobName, tempDir } from './layout';
import { InvalidIdError } from './storageErrors';

const NODE = path.join('vhd_storage', 'node-us-east');
const USER = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60';
const FILE = '0b5e7c1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d';

const hostile = [
  '',
  '..',
  '../',
  `../${USER}`,
  `${USER}/../x`,
  '%2e%2e',
  '%2e%2e%2f',
  `%2e%2e%2f${USER}`,
  '/etc/passwd',
  `/${USER}`,
  'C:\\Windows',
  `${USER}\0`,
  `\0${USER}`,
  `${USER}\n`,
  ` ${USER}`,
  USER.toUpperCase(),
  `{${USER}}`,
  USER.replaceAll('-', ''),
  `${USER}.bin`,
  '_system',
];

describe('isUuid', () => {
  it('accepts canonical lower-case UUIDs of any version', () => {
    expect(isUuid(USER)).toBe(true); // v4
    expect(isUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(true); // v1
    expect(isUuid('01890a5d-ac96-774b-bcce-b302099a8057')).toBe(true); // v7
    expect(isUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
  });

  it('rejects everything else', () => {
    for (const value of hostile) expect(isUuid(value), JSON.stringify(value)).toBe(false);
    expect(isUuid(undefined)).toBe(false);
    expect(isUuid(42)).toBe(false);
  });
});

describe('blobPath', () => {
  it('is exactly <nodeDir>/<userId>/files/<fileId>.bin', () => {
    expect(blobPath(NODE, USER, FILE)).toBe(path.join(NODE, USER, 'files', `${FILE}.bin`));
    expect(filesDir(NODE, USER)).toBe(path.join(NODE, USER, 'files'));
  });

  it('keeps the temp area on the node, under _system', () => {
    expect(tempDir(NODE)).toBe(path.join(NODE, '_system', 'tmp'));
  });

  it('throws InvalidIdError for any non-UUID user id or file id', () => {
    for (const value of hostile) {
      expect(() => blobPath(NODE, value, FILE), JSON.stringify(value)).toThrow(InvalidIdError);
      expect(() => blobPath(NODE, USER, value), JSON.stringify(value)).toThrow(InvalidIdError);
      expect(() => filesDir(NODE, value), JSON.stringify(value)).toThrow(InvalidIdError);
    }
  });
});

describe('parseBlobName', () => {
  it('reads back the file id of a blob and nothing else', () => {
    expect(parseBlobName(`${FILE}.bin`)).toBe(FILE);
    expect(parseBlobName(`${FILE}.tmp`)).toBeUndefined();
    expect(parseBlobName(FILE)).toBeUndefined();
    expect(parseBlobName(`${FILE.toUpperCase()}.bin`)).toBeUndefined();
    expect(parseBlobName('.bin')).toBeUndefined();
    expect(parseBlobName(`x${FILE}.bin`)).toBeUndefined();
  });
});
