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
   * Suspicion timeout once `suspicionConfirmations` independent nodes agree (Lifeguard),
   * scaled by max(1, log10(n)) like memberlist, so that a suspect in a large cluster has
   * time to hear about it. A real death is confirmed by everyone and ends here.
   */
  readonly suspicionMinMs: number;
  /**
   * Suspicion timeout with no independent confirmation (same scaling). A lone false
   * suspicion must be refuted before it runs out; the timeout falls logarithmically
   * towards the minimum as confirmations arrive.
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
}

/**
 * The `wan` profile (one-way 40/75/115 ms, DESIGN §2). Targets: a killed node is `dead` on
 * both survivors in < 3 s; no false death at 10 % loss on every link. Budget for a kill:
 * first probe ≤ 2 periods (1 000 ms) + probe deadline (≤ ~720 ms on the 230 ms link:
 * adaptive ~260 ms + indirect window) + suspicion minimum (800 ms, reached because both
 * survivors confirm) + one hop ≈ 2.6 s worst case, ~1.9 s median (measured in fake time).
 * The minimum is still ~2.5× the longest refutation seen at 10–20 % loss (≤ 0.65 s), and
 * a lone false suspicion gets the 6 s maximum. See membership.ts for the arithmetic.
 */
export function wanSwimConfig(): SwimConfig {
  return Object.freeze({
    protocolPeriodMs: 500,
    minProbeTimeoutMs: 100,
    maxProbeTimeoutMs: 1_000,
    indirectChecks: 3,
    suspicionMinMs: 800,
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

/** Suspicion timeouts and k for a cluster of `n` known members (self included). */
export function suspicionBounds(config: SwimConfig, n: number): { minMs: number; maxMs: number; k: number } {
  const scale = Math.max(1, Math.log10(Math.max(1, n)));
  return {
    minMs: Math.round(config.suspicionMinMs * scale),
    maxMs: Math.round(config.suspicionMaxMs * scale),
    k: Math.max(0, Math.min(n - 2, config.suspicionConfirmations)),
  };
}
