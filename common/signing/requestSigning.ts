import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Node endpoints accept only peers and the gateway. Each request (and each WebSocket
 * handshake) carries who calls, when, and an HMAC-SHA256 over method, path and time with the
 * cluster secret. Bodies are streamed and not signed: the transport is the cluster's own
 * network; the signature stops strangers and replays older than the window.
 */
export const CALLER_HEADER = 'x-geovault-caller';
export const TIME_HEADER = 'x-geovault-time';
export const SIGNATURE_HEADER = 'x-geovault-signature';
export const SIGNATURE_WINDOW_MS = 60_000;

export type SignedHeaders = Record<typeof CALLER_HEADER | typeof TIME_HEADER | typeof SIGNATURE_HEADER, string>;

function mac(secret: string, method: string, pathAndQuery: string, time: string, caller: string): string {
  return crypto
    .createHmac('sha256', secret)
    .update(`${method.toUpperCase()}\n${pathAndQuery}\n${time}\n${caller}`)
    .digest('hex');
}

export function signRequest(
  secret: string,
  caller: string,
  method: string,
  pathAndQuery: string,
  now = Date.now(),
): SignedHeaders {
  const time = String(now);
  return {
    [CALLER_HEADER]: caller,
    [TIME_HEADER]: time,
    [SIGNATURE_HEADER]: mac(secret, method, pathAndQuery, time, caller),
  };
}

export type VerifyResult = { ok: true; caller: string } | { ok: false; reason: string };

export function verifyRequest(
  secret: string,
  method: string,
  pathAndQuery: string,
  headers: IncomingHttpHeaders,
  now = Date.now(),
): VerifyResult {
  const caller = headers[CALLER_HEADER];
  const time = headers[TIME_HEADER];
  const signature = headers[SIGNATURE_HEADER];
  if (typeof caller !== 'string' || typeof time !== 'string' || typeof signature !== 'string') {
    return { ok: false, reason: 'missing signature headers' };
  }
  const sentAt = Number(time);
  if (!Number.isFinite(sentAt) || Math.abs(now - sentAt) > SIGNATURE_WINDOW_MS) {
    return { ok: false, reason: 'signature time outside the allowed window' };
  }
  const expected = Buffer.from(mac(secret, method, pathAndQuery, time, caller), 'hex');
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad signature' };
  }
  return { ok: true, caller };
}
