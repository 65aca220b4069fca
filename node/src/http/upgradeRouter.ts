import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { verifyRequest } from '../cluster/requestSigning';

export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer, caller: string) => void;

/**
 * WebSocket handshakes bypass Express, so they are authenticated here: an unsigned or
 * badly signed handshake gets 401 before any WebSocket exists.
 */
export function routeUpgrades(secret: string, routes: Record<string, UpgradeHandler>, logger: Logger) {
  return (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const url = request.url ?? '/';
    const pathname = url.split('?')[0] ?? '/';
    const route = routes[pathname];
    if (!route) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const verdict = verifyRequest(secret, request.method ?? 'GET', url, request.headers);
    if (!verdict.ok) {
      logger.warn({ path: pathname, reason: verdict.reason }, 'refused an unsigned WebSocket handshake');
      const body = JSON.stringify({ error: { code: 'unauthenticated', message: verdict.reason } });
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    route(request, socket, head, verdict.caller);
  };
}
