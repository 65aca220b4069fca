import { isIP } from 'node:net';
import type { Request } from 'express';
import { clientIp } from '../http/rateLimitedError';

/** Where a request came from, in words that can go into a mail to the account's owner. */
export interface ClientInfo {
  at: number;
  /** "Firefox on Windows": only words from the lists below, never the User-Agent itself. */
  client: string;
  /** A well-formed IP address, or "unknown". */
  ip: string;
}

// First match wins: Edge and Opera also say "Chrome", Chrome also says "Safari".
const BROWSERS: ReadonlyArray<[RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bChrome\/|\bCriOS\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/^curl\//, 'curl'],
  [/^node$|\bundici\b|\bnode-fetch\b|\baxios\b/i, 'a script'],
];

// iPad and iPhone agents also say "Mac OS X", Android ones also say "Linux".
const SYSTEMS: ReadonlyArray<[RegExp, string]> = [
  [/\bWindows\b/, 'Windows'],
  [/\biPhone|\biPad|\biPod/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

/** An approximate, fixed-vocabulary summary of a User-Agent (which the client writes freely). */
export function describeClient(userAgent: string | undefined): string {
  const ua = (userAgent ?? '').slice(0, 500);
  const browser = BROWSERS.find(([pattern]) => pattern.test(ua))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(ua))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (system) return `a browser or app on ${system}`;
  return 'an unrecognised browser or app';
}

/**
 * The address Express reports, if it is one. Behind a trusted proxy it comes from
 * X-Forwarded-For, which the client can fill with anything.
 */
export function mailableIp(ip: string): string {
  const unmapped = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  return isIP(unmapped) ? unmapped : 'unknown';
}

export function clientInfo(req: Request, at: number): ClientInfo {
  return { at, client: describeClient(req.get('user-agent')), ip: mailableIp(clientIp(req)) };
}
