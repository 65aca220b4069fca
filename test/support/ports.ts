import fs from 'node:fs';
import net from 'node:net';

/**
 * A free port on 127.0.0.1 for a server a test starts. Taken below the OS's ephemeral range:
 * a port the OS hands out for port 0 can be handed out again to an outgoing connection before
 * the server binds it (EADDRINUSE, seen in the suite). Outside that range, only another
 * listener could take it, and every one of ours checks by binding first. A port is handed out
 * once per process: two clusters made before either starts would otherwise both find the same
 * one free (EADDRINUSE, seen in bench:upload -- --encryption both).
 */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const low = 20_000;
  const high = Math.min(ephemeralLow - 1, 32_000);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found between ${low} and ${high}`);
}

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // Not Linux: the IANA default range.
  }
  return [49_152, 65_535];
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
