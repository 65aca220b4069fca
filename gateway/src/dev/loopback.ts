import net from 'node:net';
import type { Request } from 'express';

/** 127.0.0.0/8, ::1 and `localhost`: names that only ever reach this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  return bare === '::1';
}

/**
 * True when the request names this gateway by a loopback address and the port it came in on.
 * A page on another site that rebinds its own name to 127.0.0.1 (DNS rebinding) still sends
 * its own name as Host, so it is refused.
 */
export function isOwnLoopbackRequest(req: Request): boolean {
  const host = req.headers.host;
  if (!host) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (!match) return false;
  const port = match[2] === undefined ? 80 : Number(match[2]);
  return isLoopbackHost(match[1]!) && port === req.socket.localPort;
}
