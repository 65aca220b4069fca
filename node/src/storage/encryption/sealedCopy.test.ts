import { createHash, randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BlobSealer } from './blobEncryptor';
import { HEADER_BYTES, TAG_BYTES } from './blobFormat';
import { MasterKeyring } from './masterKeys';
import { SealedCopyCheck, type SealedFingerprint } from './sealedCopy';
import { IntegrityError, MasterKeyUnknownError } from '../storageErrors';

const keyring = MasterKeyring.fromKeys([Buffer.alloc(32, 7)]);

/** A blob sealed as a coordinator seals an upload, in chunks of `chunk` bytes, and its fingerprint. */
function sealUpload(plain: Buffer, chunk = 10_000): { blob: Buffer; fingerprint: SealedFingerprint; outputs: Buffer[] } {
  const sealer = new BlobSealer(keyring.current, { segmentSize: 4096, hash: true, crc32: true });
  const out: Buffer[] = [];
  for (let at = 0; at < plain.length; at += chunk) sealer.update(plain.subarray(at, at + chunk), (b) => out.push(b));
  sealer.end((b) => out.push(b));
  return { blob: Buffer.concat(out), fingerprint: { sha256: sealer.digest()!, crc32: sealer.crc32()! }, outputs: out };
}

/** Runs a replica's check over `blob` in chunks of `chunk` bytes; returns what it passed on. */
function receive(check: SealedCopyCheck, blob: Buffer, chunk = 3000): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at < blob.length; at += chunk) check.update(blob.subarray(at, at + chunk), (b) => out.push(b));
  check.end();
  return Buffer.concat(out);
}

describe('SealedCopyCheck: a replica checks an upload\'s blob against its coordinator\'s fingerprint', () => {
  const plain = randomBytes(50_000);

  it('passes the bytes on unchanged and takes the plaintext size from the length', () => {
    const { blob, fingerprint } = sealUpload(plain);
    const check = new SealedCopyCheck(keyring);
    expect(receive(check, blob).equals(blob)).toBe(true);
    expect(() => check.confirm(fingerprint)).not.toThrow();
    expect(check.bytes).toBe(plain.length);
    expect(fingerprint.sha256).toBe(createHash('sha256').update(plain).digest('hex'));
  });

  it('fingerprints with the standard CRC-32 (zlib\'s), which nodes of an earlier release compute', () => {
    // The trailer crosses the mesh: during a rolling upgrade either side may be the older one.
    const { blob, fingerprint } = sealUpload(plain);
    expect(fingerprint.crc32).toBe((zlibCrc32(blob) >>> 0).toString(16).padStart(8, '0'));
  });

  it('refuses a copy with one flipped byte anywhere', () => {
    const { blob, fingerprint } = sealUpload(plain);
    for (const at of [0, HEADER_BYTES + 5, blob.length - 1]) {
      const damaged = Buffer.from(blob);
      damaged[at]! ^= 0x01;
      const check = new SealedCopyCheck(keyring);
      // A flip in the header already fails its checksum; elsewhere the CRC differs.
      expect(() => {
        receive(check, damaged);
        check.confirm(fingerprint);
      }).toThrow(IntegrityError);
    }
  });

  it('refuses a truncated copy, one without a fingerprint, and one under a key this node lacks', () => {
    const { blob, fingerprint } = sealUpload(plain);
    // A length a blob can have (the last segment shorter) is still not the coordinator's.
    const short = new SealedCopyCheck(keyring);
    receive(short, blob.subarray(0, blob.length - 100));
    expect(() => short.confirm(fingerprint)).toThrow(IntegrityError);
    // One no blob can have fails at its end: cutting 856 of the last segment's 864 bytes leaves 8, less than a tag.
    expect(() => receive(new SealedCopyCheck(keyring), blob.subarray(0, blob.length - 856))).toThrow(IntegrityError);
    expect(() => receive(new SealedCopyCheck(keyring), blob.subarray(0, 100))).toThrow(IntegrityError);
    const check = new SealedCopyCheck(keyring);
    receive(check, blob);
    expect(() => check.confirm(undefined)).toThrow(IntegrityError);
    const stranger = MasterKeyring.fromKeys([Buffer.alloc(32, 9)]);
    expect(() => receive(new SealedCopyCheck(stranger), blob)).toThrow(MasterKeyUnknownError);
    expect(fingerprint.crc32).toMatch(/^[0-9a-f]{8}$/);
  });

  it('gets one ciphertext and one tag per segment from the sealer, whatever chunks the plaintext came in', () => {
    // 50,000 bytes in 4 KiB segments: 13 segments (the last short). Chunks of 10,000 bytes cut
    // 4 of them in two; each still leaves as one buffer, then its tag.
    const { outputs } = sealUpload(plain);
    expect(outputs[0]!.length).toBe(HEADER_BYTES);
    expect(outputs.filter((piece) => piece.length === TAG_BYTES)).toHaveLength(13);
    expect(outputs).toHaveLength(1 + 13 + 13);
    expect(outputs.slice(1, -2).filter((_, i) => i % 2 === 0).every((piece) => piece.length === 4096)).toBe(true);
  });
});
