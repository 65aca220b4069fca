import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Node endpoints accept only peers and the gateway (DESIGN §7). Each request (and each
 * WebSocket handshake) carries who calls, when, a fresh nonce and a digest of its body, with an
 * HMAC-SHA256 over all of them and the method and path, keyed by the cluster secret. The node
 * refuses a nonce it has seen within the window (`NonceRegistry`), so a captured request cannot
 * be sent again, with its own body or another one.
 *
 * Streamed bodies (replica and file bytes, gigabytes long) are sent before they can be hashed;
 * they are signed as `UNSIGNED-PAYLOAD`, as S3 does, and only the routes that stream accept
 * that. Their content is checked by its SHA-256 end to end, and the nonce still stops replays.
 */
export const CALLER_HEADER = 'x-geovault-caller';
export const TIME_HEADER = 'x-geovault-time';
export const NONCE_HEADER = 'x-geovault-nonce';
export const CONTENT_DIGEST_HEADER = 'x-geovault-content-sha256';
export const SIGNATURE_HEADER = 'x-geovault-signature';
export const SIGNATURE_WINDOW_MS = 60_000;
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

const NONCE_PATTERN = /^[0-9a-f]{32}$/;
const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

export type SignedHeaders = Record<
  typeof CALLER_HEADER | typeof TIME_HEADER | typeof NONCE_HEADER | typeof CONTENT_DIGEST_HEADER | typeof SIGNATURE_HEADER,
  string
>;

export interface SignOptions {
  /** The whole body; omitted = no body. */
  body?: Buffer | string;
  /** The body is streamed and cannot be hashed before it is sent. */
  streamed?: boolean;
  now?: number;
}

export function sha256Hex(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function mac(secret: string, parts: { method: string; pathAndQuery: string; time: string; caller: string; nonce: string; digest: string }): string {
  return crypto
    .createHmac('sha256', secret)
    .update([parts.method.toUpperCase(), parts.pathAndQuery, parts.time, parts.caller, parts.nonce, parts.digest].join('\n'))
    .digest('hex');
}

export function signRequest(secret: string, caller: string, method: string, pathAndQuery: string, options: SignOptions = {}): SignedHeaders {
  const time = String(options.now ?? Date.now());
  const nonce = crypto.randomBytes(16).toString('hex');
  const digest = options.streamed ? UNSIGNED_PAYLOAD : sha256Hex(options.body ?? '');
  return {
    [CALLER_HEADER]: caller,
    [TIME_HEADER]: time,
    [NONCE_HEADER]: nonce,
    [CONTENT_DIGEST_HEADER]: digest,
    [SIGNATURE_HEADER]: mac(secret, { method, pathAndQuery, time, caller, nonce, digest }),
  };
}

export interface VerifiedRequest {
  ok: true;
  caller: string;
  sentAt: number;
  nonce: string;
  /** The signed SHA-256 of the body, or UNSIGNED_PAYLOAD for a streamed one. */
  contentDigest: string;
}

export type VerifyResult = VerifiedRequest | { ok: false; reason: string };

/** Checks the signature and the time window; the caller then claims the nonce (`NonceRegistry`). */
export function verifyRequest(
  secret: string,
  method: string,
  pathAndQuery: string,
  headers: IncomingHttpHeaders,
  now = Date.now(),
): VerifyResult {
  const caller = headers[CALLER_HEADER];
  const time = headers[TIME_HEADER];
  const nonce = headers[NONCE_HEADER];
  const digest = headers[CONTENT_DIGEST_HEADER];
  const signature = headers[SIGNATURE_HEADER];
  if (typeof caller !== 'string' || typeof time !== 'string' || typeof signature !== 'string' || typeof nonce !== 'string' || typeof digest !== 'string') {
    return { ok: false, reason: 'missing signature headers' };
  }
  if (!NONCE_PATTERN.test(nonce) || (digest !== UNSIGNED_PAYLOAD && !DIGEST_PATTERN.test(digest))) {
    return { ok: false, reason: 'malformed signature headers' };
  }
  const sentAt = Number(time);
  if (!Number.isFinite(sentAt) || Math.abs(now - sentAt) > SIGNATURE_WINDOW_MS) {
    return { ok: false, reason: 'signature time outside the allowed window' };
  }
  const expected = Buffer.from(mac(secret, { method, pathAndQuery, time, caller, nonce, digest }), 'hex');
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad signature' };
  }
  return { ok: true, caller, sentAt, nonce, contentDigest: digest };
}
