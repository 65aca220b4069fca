import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { LogSampler } from '../../../common/logging/logSampler';
import { TIME_HEADER } from '../../../common/signing/requestSigning';
import type { ClusterGuard } from './clusterAuth';

export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer, caller: string) => void;

/**
 * Upgrades (WebSocket handshakes, raw blob streams) bypass Express, so they are authenticated
 * here: an unsigned, badly signed or replayed one gets 401 before any WebSocket or stream exists.
 */
export function routeUpgrades(guard: ClusterGuard, routeFor: (pathname: string) => UpgradeHandler | undefined, logger: Logger) {
  // Anyone who can reach the port can send these: log a sample, not a flood.
  const refusals = new LogSampler(logger);
  return (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const url = request.url ?? '/';
    const pathname = url.split('?')[0] ?? '/';
    const route = routeFor(pathname);
    if (!route) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const verdict = guard.verify(request.method ?? 'GET', url, request.headers);
    if (!verdict.ok) {
      refusals.warn('refused upgrade', { path: pathname, reason: verdict.reason }, 'refused an unsigned upgrade');
      const body = JSON.stringify({ error: { code: 'unauthenticated', message: verdict.reason } });
      // Our time, as HTTP's Date header would give it: a peer refused for its clock can tell by how much.
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${TIME_HEADER}: ${Date.now()}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    route(request, socket, head, verdict.caller);
  };
}
