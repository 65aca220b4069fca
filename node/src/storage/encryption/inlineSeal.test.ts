import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { InlineData } from '../../api/files';
import { InlineConverter, type InlineValues } from './inlineConverter';
import { InlineCodec } from './inlineSeal';
import { HEADER_BYTES } from './blobFormat';
import { keyIdHex, MasterKeyring } from './masterKeys';
import { IntegrityError, MasterKeyUnknownError } from '../storageErrors';

const oldKey = Buffer.alloc(32, 1);
const newKey = Buffer.alloc(32, 2);
const before = MasterKeyring.fromKeys([oldKey]);
const during = MasterKeyring.fromKeys([newKey, oldKey]);
const after = MasterKeyring.fromKeys([newKey]);

describe('InlineCodec: small files sealed in the index like blob files', () => {
  const data = Buffer.from('a small file, kept in the index '.repeat(100));

  it('seals new bytes (no plaintext, not even as base64) and opens them again', () => {
    const value = new InlineCodec(before, true).value(data);
    expect('sealed' in value).toBe(true);
    const stored = Buffer.from(JSON.stringify(value));
    expect(stored.indexOf('kept in the index')).toBe(-1);
    expect(stored.indexOf(data.toString('base64').slice(40, 80))).toBe(-1);
    expect(new InlineCodec(before, true).open(value).equals(data)).toBe(true);
    expect(InlineCodec.keyId(value)).toBe(keyIdHex(before.current.id));
  });

  it('keeps plaintext with encryption off, and still reads it with encryption on', () => {
    const plain = new InlineCodec(before, false).value(data);
    expect(plain).toEqual({ base64: data.toString('base64') });
    expect(new InlineCodec(before, true).open(plain).equals(data)).toBe(true);
  });

  it('brings a value under the current key: plaintext sealed, an old key re-wrapped with the same segments, a current one left alone', () => {
    const codec = new InlineCodec(during, true);
    const sealedOld = new InlineCodec(before, true).value(data);
    const rewrapped = codec.current(sealedOld)!;
    expect(InlineCodec.keyId(rewrapped)).toBe(keyIdHex(after.current.id));
    // Only the header changes: the segments are the same bytes.
    const [a, b] = [sealedOld, rewrapped].map((v) => Buffer.from((v as { sealed: string }).sealed, 'base64'));
    expect(b!.length).toBe(a!.length);
    expect(b!.subarray(HEADER_BYTES).equals(a!.subarray(HEADER_BYTES))).toBe(true);
    // Readable without the old key once re-wrapped; the old value is not.
    expect(new InlineCodec(after, true).open(rewrapped).equals(data)).toBe(true);
    expect(() => new InlineCodec(after, true).open(sealedOld)).toThrow(MasterKeyUnknownError);
    expect(codec.current(rewrapped)).toBeUndefined();
    const sealedPlain = codec.current({ base64: data.toString('base64') })!;
    expect(InlineCodec.keyId(sealedPlain)).toBe(keyIdHex(after.current.id));
    expect(new InlineCodec(undefined, false).current(sealedOld)).toBeUndefined();
  });

  it('refuses a value with a flipped byte', () => {
    const value = new InlineCodec(before, true).value(data) as { sealed: string };
    const bytes = Buffer.from(value.sealed, 'base64');
    bytes[bytes.length - 20]! ^= 0x10;
    expect(() => new InlineCodec(before, true).open({ sealed: bytes.toString('base64') })).toThrow(IntegrityError);
  });
});

describe('InlineConverter: each value rewritten once, by its user\'s owner', () => {
  function store(values: Array<{ userId: string; fileId: string; value: InlineData }>): InlineValues & { written: string[] } {
    const written: string[] = [];
    return {
      written,
      async *inlineValues() {
        yield* values;
      },
      async replaceInlineValues(changes) {
        for (const change of changes) {
          written.push(change.fileId);
          values.find((v) => v.fileId === change.fileId)!.value = change.value;
        }
        return changes.length;
      },
    };
  }

  it('converts the values of users this node owns, counts the others as waiting, and finds nothing left on the next pass', async () => {
    const sealedOld = new InlineCodec(before, true).value(randomBytes(500));
    const values = [
      { userId: 'mine', fileId: 'a', value: { base64: randomBytes(300).toString('base64') } as InlineData },
      { userId: 'mine', fileId: 'b', value: sealedOld },
      { userId: 'theirs', fileId: 'c', value: sealedOld },
      { userId: 'mine', fileId: 'd', value: new InlineCodec(during, true).value(randomBytes(10)) },
    ];
    const backing = store(values);
    const converter = new InlineConverter({
      values: backing,
      codec: new InlineCodec(during, true),
      owns: (userId) => userId === 'mine',
      filesPerSecond: 1_000_000,
      logger: pino({ level: 'silent' }),
    });
    expect(await converter.pass(new AbortController().signal)).toBe(1);
    expect(backing.written).toEqual(['a', 'b']);
    expect(converter.stats).toMatchObject({ looked: 4, sealed: 1, rewrapped: 1, waiting: 1 });
    // The other owner's conversion arrives (by gossip, here by hand): nothing is left.
    values[2]!.value = new InlineCodec(during, true).current(sealedOld)!;
    expect(await converter.pass(new AbortController().signal)).toBe(0);
    expect(backing.written).toEqual(['a', 'b']);
  });
});
