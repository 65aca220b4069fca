import http from 'node:http';

/**
 * Kept-alive connections between our processes, without the race of the idle close: a server
 * closes an idle connection after its keep-alive timeout (Node's: 5 s, advertised as
 * `Keep-Alive: timeout=5`), and a client that sends a request on it at that moment gets
 * ECONNRESET or EPIPE (a replica write failing for nothing, a gateway call that cannot be
 * retried because it may have been done). Node's agent lets an idle socket go a second before
 * the advertised timeout, but only when it has a socket timeout of its own: without one it
 * ignores the hint and keeps idle sockets for ever. So every agent of ours has one.
 */

/** How long a client keeps an idle socket at most (a server's shorter hint, less a second, wins). */
export const CLIENT_IDLE_SOCKET_MS = 15_000;

/**
 * A client agent whose idle sockets close after `idleMs` or before the server's advertised
 * timeout (the agent's socket timeout only destroys sockets that are free; a request in flight
 * is timed by its caller's own deadline).
 */
export function keepAliveAgent(maxSockets: number, idleMs = CLIENT_IDLE_SOCKET_MS): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, timeout: idleMs });
}
