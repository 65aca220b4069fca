import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { ClusterGuard } from '../http/clusterAuth';
import { routeUpgrades } from '../http/upgradeRouter';
import { systemClock } from '../time/clock';
import { seededRandom } from '../time/random';
import { estimateClockSkew, parsePeerTime } from './clockSkew';
import { LinkSimulator, NO_DELAY } from './linkSimulator';
import { GOSSIP_PATH, WsTransport } from './wsTransport';

const SECRET = 'b'.repeat(64);

describe('estimateClockSkew', () => {
  test('the peer time against ours at the midpoint of the round trip', () => {
    expect(estimateClockSkew(1_000, 1_200, 31_100)).toBe(30_000);
    expect(estimateClockSkew(1_000, 1_000, 1_000)).toBe(0);
    expect(estimateClockSkew(50_000, 50_100, 10_050)).toBe(-40_000);
  });

  test('only a plausible ms timestamp is read from the header', () => {
    expect(parsePeerTime('1764580000000')).toBe(1_764_580_000_000);
    expect(parsePeerTime(undefined)).toBeUndefined();
    expect(parsePeerTime(['1', '2'])).toBeUndefined();
    expect(parsePeerTime('12abc')).toBeUndefined();
    expect(parsePeerTime('-5')).toBeUndefined();
    expect(parsePeerTime('99999999999999999')).toBeUndefined();
  });
});

/**
 * Real WebSocket handshakes: node `b` accepts gossip behind the signed upgrade route; node `a`
 * dials it with its clock shifted by `offsetMs`. What `a` measures and logs is checked.
 */
describe('clock skew measured at the gossip handshake', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function links(self: string): LinkSimulator {
    return new LinkSimulator({ self, linkTo: () => NO_DELAY, clock: systemClock, random: seededRandom(1) });
  }

  async function dialWithOffset(offsetMs: number) {
    const silent = pino({ level: 'silent' });
    const acceptor = new WsTransport({ self: 'b', peerUrls: new Map([['a', 'ws://127.0.0.1:1']]), secret: SECRET, links: links('b'), logger: silent });
    const server = http.createServer((_req, res) => res.end());
    server.on(
      'upgrade',
      routeUpgrades(new ClusterGuard(SECRET), (path) => (path === GOSSIP_PATH ? (req, socket, head, caller) => acceptor.acceptUpgrade(req, socket, head, caller) : undefined), silent),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const dialer = new WsTransport({
      self: 'a',
      peerUrls: new Map([['b', `ws://127.0.0.1:${port}`]]),
      secret: SECRET,
      links: links('a'),
      logger,
      now: () => Date.now() + offsetMs,
    });
    cleanups.push(async () => {
      await dialer.close();
      await acceptor.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    dialer.start();
    const deadline = Date.now() + 5_000;
    while (dialer.clockSkew.skewMs('b') === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return { dialer, lines, skew: dialer.clockSkew.skewMs('b') };
  }

  const skewWarnings = (lines: Array<Record<string, unknown>>) => lines.filter((l) => typeof l.clockSkewMs === 'number' && l.level === 40 && String(l.msg).includes('clock'));

  test('clocks in step: a skew near 0, no warning', async () => {
    const { skew, lines, dialer } = await dialWithOffset(0);
    expect(skew).not.toBeNull();
    expect(Math.abs(skew!)).toBeLessThan(1_000);
    expect(skewWarnings(lines)).toEqual([]);
    expect(dialer.clockSkew.skewedPeers()).toEqual([]);
  });

  test('our clock 30 s behind: the handshake passes, the skew is measured and warned about', async () => {
    const { skew, lines, dialer } = await dialWithOffset(-30_000);
    expect(Math.abs(skew! - 30_000)).toBeLessThan(1_000);
    expect(skewWarnings(lines)).toHaveLength(1);
    expect(skewWarnings(lines)[0]).toMatchObject({ peer: 'b', refused: false });
    expect(dialer.clockSkew.skewedPeers()).toEqual(['b']);
  });

  test('our clock 90 s behind: the peer refuses the signature, and we are told why instead of being cut off silently', async () => {
    const { skew, lines } = await dialWithOffset(-90_000);
    expect(Math.abs(skew! - 90_000)).toBeLessThan(1_000);
    const warning = skewWarnings(lines)[0]!;
    expect(warning).toMatchObject({ peer: 'b', refused: true, signatureWindowMs: 60_000 });
    expect(String(warning.msg)).toMatch(/refused/);
  });
});
