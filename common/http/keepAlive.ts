import http from 'node:http';

/**
 * Kept-alive connections between our processes, without the race of the idle close: a server
 * closes an idle connection after its keep-alive timeout, and a client that sends a request on
 * it at that moment gets ECONNRESET or EPIPE (a replica write failing for nothing, a gateway
 * call that cannot be retried because it may have been done). So clients let idle sockets go
 * well before servers would: a socket is either reused long before the server's timeout, or
 * closed by the client first.
 */

/** How long a server keeps an idle connection open (advertised in Keep-Alive: timeout=…). */
export const SERVER_KEEP_ALIVE_MS = 65_000;
/** How long a client keeps an idle socket for reuse: well under SERVER_KEEP_ALIVE_MS. */
export const CLIENT_IDLE_SOCKET_MS = 15_000;

/** Server options for a process that our own clients call (nodes). */
export function keepAliveServerOptions(keepAliveMs = SERVER_KEEP_ALIVE_MS): Pick<http.ServerOptions, 'keepAliveTimeout' | 'headersTimeout'> {
  // Headers of the next request on a kept connection are timed from its first byte; a headers
  // timeout shorter than the keep-alive one would cut connections the clients still trust.
  return { keepAliveTimeout: keepAliveMs, headersTimeout: keepAliveMs + 1_000 };
}

/**
 * A client agent whose idle sockets close after `idleMs` (the agent's socket timeout only
 * destroys sockets that are free; a request in flight is timed by its caller's own deadline).
 */
export function keepAliveAgent(maxSockets: number, idleMs = CLIENT_IDLE_SOCKET_MS): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, timeout: idleMs });
}
