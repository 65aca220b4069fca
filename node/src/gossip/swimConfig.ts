/**
 * Tuning of the SWIM failure detector (membership.ts). One type, every field documented, and
 * presets as functions (like memberlist's DefaultLANConfig / DefaultWANConfig); callers
 * derive variants with a spread: `{ ...lanSwimConfig(), protocolPeriodMs: 200 }`.
 */
export interface SwimConfig {
  /**
   * A probe of the next peer in the round-robin order starts every period. Each peer is
   * probed once every (n-1) periods by every other node, so with 3 nodes a dead peer is
   * first probed at most 2 periods after it died.
   */
  readonly protocolPeriodMs: number;
  /**
   * Floor of the adaptive direct-probe timeout (SRTT + 4·RTTVAR of the link). Keeps a short
   * link from timing out on scheduling noise.
   */
  readonly minProbeTimeoutMs: number;
  /** Ceiling of the adaptive timeout, and the timeout used before a link has an RTT sample. */
  readonly maxProbeTimeoutMs: number;
  /**
   * ping-req frames sent when the direct ping times out. They go to distinct relays when
   * there are enough; with fewer relays (a 3-node mesh has one) they wrap around, each
   * request being an independent path through a lossy network.
   */
  readonly indirectChecks: number;
  /**
   * Base of the suspicion timeout once `suspicionConfirmations` independent nodes agree
   * (Lifeguard). The minimum actually used is (this + suspicionRttMult × RTT of the link to
   * the suspect) × max(1, log10(n)): see `suspicionBounds` for why. A real death is
   * confirmed by everyone and ends there.
   */
  readonly suspicionMinMs: number;
  /** Round trips to the suspect added to the minimum (the unmeasured link counts as maxProbeTimeoutMs). */
  readonly suspicionRttMult: number;
  /**
   * Suspicion timeout with no independent confirmation (scaled by max(1, log10(n)), and never
   * below the minimum). A lone false suspicion must be refuted before it runs out; the timeout
   * falls logarithmically towards the minimum as confirmations arrive.
   */
  readonly suspicionMaxMs: number;
  /** Cap on k, the confirmations that bring the timeout to its minimum: k = min(n-2, this). */
  readonly suspicionConfirmations: number;
  /** An update is sent retransmitMult × ceil(log10(n+1)) times before it is dropped. */
  readonly retransmitMult: number;
  /** Updates per frame (at most MAX_UPDATES_PER_FRAME, which the wire schema enforces). */
  readonly maxUpdatesPerFrame: number;
  /** How often pending updates are pushed in `gossip` frames (when there are any). */
  readonly gossipIntervalMs: number;
  /** Peers per gossip tick. */
  readonly gossipFanout: number;
  /** Dead peers stay gossip targets this long, so a false death can still be refuted. */
  readonly gossipToTheDeadMs: number;
  /** First retry ping to a dead peer; the delay doubles up to `deadRetryMaxMs`. */
  readonly deadRetryMinMs: number;
  /** Longest gap between retries, i.e. the worst heal time after a partition lifts. */
  readonly deadRetryMaxMs: number;
  /**
   * Every interval the whole member table goes to one random live peer as `gossip` frames
   * (memberlist's push-pull, one-way): the anti-entropy that repairs what bounded
   * retransmission missed. 0 disables it.
   */
  readonly stateSyncIntervalMs: number;
  /**
   * Lifeguard's local health (awareness.ts): this node's probe timeouts and probe period are
   * stretched by up to this factor while it sees signs that it is itself slow. 1 disables it.
   */
  readonly awarenessMaxMultiplier: number;
  /**
   * A protocol timer that fires this much later than asked means our event loop is late: the
   * acks we wait for sit unread, so our own probes would fail. Counts against local health.
   */
  readonly eventLoopLagMs: number;
  /** How long a stopping node waits for its peers to acknowledge its leave before it goes. */
  readonly leaveTimeoutMs: number;
  /** A member that left is forgotten this long after it left (memberlist reaps them too). */
  readonly leftReapMs: number;
}

/**
 * The `wan` profile (one-way 40/75/115 ms, DESIGN §2). Targets: a killed node is `dead` on
 * both survivors in < 3 s; no false death at 10 % loss on every link. Budget for a kill
 * (kill -9 resets the sockets: the survivors probe at once, membership.probeNow): probe
 * deadline (≤ ~730 ms on the 230 ms link: adaptive ~270 ms + indirect window) + suspicion
 * minimum (1 s + 2 RTT: 1.16 s to us-east↔eu-west, 1.3 s us-east↔asia, 1.46 s
 * eu-west↔asia, reached because both survivors confirm) ≈ 2.2 s (measured in fake time:
 * ≤ 2.42 s; real processes on a loaded machine add a few hundred ms). A frozen node
 * (sockets open) waits for its turn in the probe order first: up to 2 periods more.
 * The minimum is ~2.5× the longest refutation seen at 10–20 % loss (≤ 0.65 s); a lone
 * false suspicion gets the 6 s maximum. See membership.ts for the arithmetic.
 */
export function wanSwimConfig(): SwimConfig {
  return Object.freeze({
    protocolPeriodMs: 500,
    minProbeTimeoutMs: 100,
    maxProbeTimeoutMs: 1_000,
    indirectChecks: 3,
    suspicionMinMs: 1_000,
    suspicionRttMult: 2,
    suspicionMaxMs: 6_000,
    suspicionConfirmations: 3,
    retransmitMult: 4,
    maxUpdatesPerFrame: 64,
    gossipIntervalMs: 200,
    gossipFanout: 3,
    gossipToTheDeadMs: 30_000,
    deadRetryMinMs: 1_000,
    deadRetryMaxMs: 10_000,
    stateSyncIntervalMs: 30_000,
    // memberlist's AwarenessMaxMultiplier: a sick node probes at most 8× slower.
    awarenessMaxMultiplier: 8,
    // Well above a GC pause or a busy tick (10–50 ms), well below the 100–300 ms probe timeouts' slack.
    eventLoopLagMs: 100,
    // Serf waits up to 5 s (BroadcastTimeout) for a leave to go out. 1 s was three round trips
    // of the slowest link (sa-east↔asia, 330 ms), too few on a loaded machine: in CI a node
    // stopped by SIGTERM exited unacknowledged, and both peers still held it alive.
    leaveTimeoutMs: 3_000,
    leftReapMs: 10 * 60_000,
  });
}

/**
 * The `lan` profile and large simulated clusters: memberlist's LAN numbers (1 s period,
 * 500 ms probe ceiling) with an adaptive floor, since a LAN round trip is well under 1 ms.
 */
export function lanSwimConfig(): SwimConfig {
  // Only what differs from the wan preset; dissemination and suspicion confirmations are shared.
  return Object.freeze({
    ...wanSwimConfig(),
    protocolPeriodMs: 1_000,
    minProbeTimeoutMs: 20,
    maxProbeTimeoutMs: 500,
    suspicionMinMs: 2_000,
    deadRetryMaxMs: 60_000,
  });
}

/**
 * Suspicion timeouts and k for a cluster of `n` known members (self included), for a suspect
 * whose link from us has a smoothed round trip of `rttMs` (undefined: not measured yet).
 *
 * Why these numbers. memberlist's minimum is SuspicionMult (4) × ProbeInterval × log10(n):
 * ~4 s on a LAN, enough for a suspect to hear of it and refute through many gossip rounds.
 * The minimum was 800 ms here, barely 3.5 round trips of the eu-west↔asia link: a live
 * suspect must first hear the suspicion and then be heard back, each leg lost 10 % of the
 * time, so the time it needs grows with the link's round trip, not only with the protocol's
 * rhythm. Hence a base of five gossip rounds (1 s) plus two round trips of the link, scaled
 * by log10(n) like memberlist (a bigger cluster takes longer to spread the refutation).
 * memberlist's 4 s would miss the issue's < 3 s detection target (a kill costs ~0.7 s of
 * probing first): with both survivors confirming, a real death ends at this minimum.
 */
export function suspicionBounds(config: SwimConfig, n: number, rttMs?: number): { minMs: number; maxMs: number; k: number } {
  const scale = Math.max(1, Math.log10(Math.max(1, n)));
  const rtt = rttMs ?? config.maxProbeTimeoutMs;
  const minMs = Math.round((config.suspicionMinMs + config.suspicionRttMult * rtt) * scale);
  return {
    minMs,
    maxMs: Math.max(minMs, Math.round(config.suspicionMaxMs * scale)),
    k: Math.max(0, Math.min(n - 2, config.suspicionConfirmations)),
  };
}
