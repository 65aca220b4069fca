import http from 'node:http';
import type { Logger } from 'pino';
import type { NodeConfig } from './config/nodeConfig';
import { MAX_CHANGED_KEYS_PER_EVENT, type NodeEvent } from './api/events';
import type { NodeStatus } from './api/status';
import { isMembershipFrame, type NodeId } from './gossip/frames';
import { Membership } from './gossip/membership';
import { nextIncarnation, recordIncarnation } from './gossip/incarnationStore';
import { AntiEntropy } from './index/antiEntropy';
import { CatalogQueries } from './store/catalogQueries';
import { TreeQueries } from './store/treeQueries';
import { openNodeIndex } from './store/openNodeIndex';
import { EventLoopMonitor } from './runtime/eventLoopMonitor';
import { LinkSimulator } from './transport/linkSimulator';
import { WsTransport, GOSSIP_PATH } from './transport/wsTransport';
import { CLOCK_SKEW_WARN_MS } from './transport/clockSkew';
import { SIGNATURE_WINDOW_MS } from '../../common/signing/requestSigning';
import { systemClock } from './time/clock';
import { ensurePrivateDir } from '../../common/durable/privateDir';
import { FaultInjector } from './transport/faultInjector';
import { systemRandom } from './time/random';
import { createNodeApp } from './http/createNodeApp';
import { EventsHub, EVENTS_PATH } from './http/eventsHub';
import { routeUpgrades } from './http/upgradeRouter';
import { ClusterGuard } from './http/clusterAuth';
import { isBlobStreamPath, serveBlobStream } from './http/blobStreamUpgrade';
import { StorageService } from './replication/storageService';
import { InlineConverter } from './storage/encryption/inlineConverter';
import { InlineCodec } from './storage/encryption/inlineSeal';
import { quotaOwners } from './replication/quotaAuthority';
import { BlobConverter } from './storage/encryption/blobConverter';
import { keyIdHex } from './storage/encryption/masterKeys';
import { loadEncryptionConfig } from './config/encryptionConfig';
import { ConfigError } from '../../common/config/configError';
import { AppError } from './http/errors';

export interface RunningNode {
  readonly url: string;
  readonly incarnation: number;
  close(): Promise<void>;
}

/** Wires one storage node: link simulator → WebSocket transport → SWIM + anti-entropy → HTTP. */
export async function startStorageNode(config: NodeConfig, logger: Logger): Promise<RunningNode> {
  const { self } = config;
  const startedAt = new Date().toISOString();
  const eventLoop = new EventLoopMonitor();
  ensurePrivateDir(config.nodeDir);
  ensurePrivateDir(config.systemDir);
  const incarnation = nextIncarnation(config.systemDir);

  const links = new LinkSimulator({
    self: self.id,
    linkTo: (peer) => config.cluster.linkBetween(self.id, peer),
    clock: systemClock,
    random: systemRandom,
  });
  const transport = new WsTransport({
    self: self.id,
    peerUrls: new Map(config.peers.map((peer) => [peer.id, `ws://${peer.host}:${peer.port}`])),
    secret: config.secret,
    links,
    logger: logger.child({ component: 'transport' }),
  });

  const membership = new Membership({
    self: self.id,
    seeds: config.peers.map((peer) => peer.id),
    incarnation,
    config: config.swim,
    clock: systemClock,
    random: systemRandom,
    send: (to, frame) => transport.send(to, frame),
    logger: logger.child({ component: 'membership' }),
  });

  const allNodes = [self.id, ...config.peers.map((peer) => peer.id)].sort();
  const { store, index, committer } = await openNodeIndex({
    dir: config.systemDir,
    self: self.id,
    allNodes,
    replicas: config.storage.replicas,
    logger: logger.child({ component: 'index-store' }),
  });
  const antiEntropy = new AntiEntropy({
    self: self.id,
    index,
    committer,
    send: (to, frame) => transport.send(to, frame),
    livePeers: () => membership.livePeers(),
    clock: systemClock,
    random: systemRandom,
    logger: logger.child({ component: 'anti-entropy' }),
    // A node whose disk was wiped learns how far its own facts go before it writes new ones.
    config: { learnOwnSeqMs: 10_000, ...config.antiEntropy },
    // Every configured node, dead ones too: a tombstone is collected only once all have it.
    members: () => allNodes,
  });

  const now = () => new Date().toISOString();
  // The snapshot is built on demand, so the hub can exist before everything it reports on.
  const events = new EventsHub(() => ({ type: 'snapshot', node: self.id, at: now(), status: status() }), logger.child({ component: 'events' }));
  const publish = (event: NodeEvent) => events.publish(event);

  const storage = new StorageService({
    self: self.id,
    nodeDir: config.nodeDir,
    secret: config.secret,
    peers: new Map(config.peers.map((peer) => [peer.id, { host: peer.host, port: peer.port }])),
    links,
    index,
    writer: antiEntropy,
    queries: new CatalogQueries(store.db),
    treeQueries: new TreeQueries(store.db),
    treeTables: store.schema.tree,
    treeStore: store,
    counters: store.counters,
    resumableDb: store,
    indexHealth: () => committer.health,
    mesh: {
      liveNodes: () => [self.id, ...membership.members().filter((m) => m.id !== self.id && m.state === 'alive').map((m) => m.id)],
      rttMs: (peer) => membership.member(peer)?.rttMs ?? null,
    },
    settings: config.storage,
    encryption: config.encryption,
    logger,
    activity: (activity) => publish({ type: 'replication', node: self.id, at: now(), ...activity }),
  });
  await storage.init();
  // Encrypts blobs written before encryption and re-wraps data keys after a rotation, in the background (started below).
  const inlineConverter = new InlineConverter({
    values: storage.ctx.catalog,
    codec: new InlineCodec(config.encryption.keyring, storage.ctx.blobs.encrypts),
    owns: (userId) => quotaOwners(userId, storage.ctx.mesh.liveNodes())[0] === self.id,
    filesPerSecond: config.encryption.convert.filesPerSecond,
    logger: logger.child({ component: 'inline-converter' }),
  });
  const converter = new BlobConverter(storage.ctx.blobs, config.encryption.convert, logger.child({ component: 'blob-converter' }), inlineConverter);
  antiEntropy.onChange((facts) => storage.onIndexChange(facts));

  // A broken connection is a hint worth a probe right away; SWIM still decides.
  transport.onPeerDisconnected((peer) => membership.probeNow(peer));
  transport.onFrame((from, frame) => {
    if (isMembershipFrame(frame)) membership.handleFrame(from, frame);
    else antiEntropy.handleFrame(from, frame);
  });

  const status = (): NodeStatus => ({
    id: self.id,
    label: self.label,
    region: self.region,
    lat: self.lat,
    lon: self.lon,
    profile: config.cluster.profile,
    incarnation: membership.incarnation,
    startedAt,
    members: membership.members().map((m) => ({
      id: m.id,
      state: m.state,
      incarnation: m.incarnation,
      rttMs: m.rttMs,
      clockSkewMs: m.id === self.id ? null : transport.clockSkew.skewMs(m.id),
      stateSince: new Date(m.stateSince).toISOString(),
    })),
    links: Object.fromEntries(
      config.peers.map((peer) => [
        peer.id,
        { ...links.profile(peer.id), cut: links.isCut(peer.id), connected: transport.isConnected(peer.id) },
      ]),
    ),
    faults: links.faults(),
    index: {
      digest: index.digest(),
      size: index.size,
      tombstones: index.tombstoneCount,
      version: index.version,
      health: committer.health,
      commits: { ...committer.stats },
    },
    storage: {
      ...storage.summary(),
      repair: { ...storage.repairer.stats },
      scrub: { ...storage.scrubber.stats },
    },
    tree: { logEntries: store.schema.tree.logEntries(), ...storage.treeCompactor.summary() },
    housekeeping: storage.housekeeping.summary(),
    gossip: { malformedFrames: transport.malformedFrames },
    membership: {
      localHealth: membership.localHealth(),
      clockSkew: { warnAboveMs: CLOCK_SKEW_WARN_MS, signatureWindowMs: SIGNATURE_WINDOW_MS, skewedPeers: transport.clockSkew.skewedPeers() },
    },
    eventLoop: eventLoop.lastWindow,
    encryption: {
      enabled: config.encryption.enabled,
      currentKeyId: keyIdHex(config.encryption.keyring.current.id),
      keyIdsInUse: converter.keyIdsInUse(),
      background: { ...converter.stats },
    },
  });

  membership.onChange((change) => {
    logger.info({ peer: change.node, from: change.from, to: change.to, incarnation: change.incarnation }, 'member state changed');
    publish({ type: 'member', node: self.id, at: now(), peer: change.node, from: change.from ?? null, to: change.to, incarnation: change.incarnation });
  });
  membership.onProbe((probe) => {
    if (probe.rttMs !== null) publish({ type: 'rtt', node: self.id, at: now(), peer: probe.peer, rttMs: probe.rttMs });
  });
  antiEntropy.onActivity((activity) => publish({ type: 'gossip', node: self.id, at: now(), ...activity }));
  antiEntropy.onChange((facts) =>
    publish({ type: 'index', node: self.id, at: now(), version: index.version, size: index.size, keys: facts.slice(0, MAX_CHANGED_KEYS_PER_EVENT).map((f) => f.key) }),
  );
  links.onFaultsChange((faults) => publish({ type: 'faults', node: self.id, at: now(), faults }));

  const faultInjector = new FaultInjector(links, systemClock, logger.child({ component: 'faults' }));

  const guard = new ClusterGuard(config.secret);
  const app = createNodeApp({
    guard,
    logger: logger.child({ component: 'http' }),
    status,
    applyFaults: (request) => faultInjector.apply(request),
    reloadKeys: async () => {
      let fresh;
      try {
        fresh = loadEncryptionConfig(config.dataDir, config.nodeDir, process.env);
      } catch (error) {
        if (error instanceof ConfigError) throw new AppError('conflict', `The key file cannot be used: ${error.message}`);
        throw error;
      }
      config.encryption.keyring.replaceWith(fresh.keyring);
      await converter.restart();
      return { currentKeyId: keyIdHex(config.encryption.keyring.current.id), keyIds: config.encryption.keyring.ids };
    },
    index: {
      read: (prefix) => index.entries(prefix, { limit: 1_000 }).map(([key, value]) => ({ key, value })),
      write: (key, value) => antiEntropy.write(key, value as never),
      remove: (key) => antiEntropy.remove(key),
    },
    routers: storage.routers,
  });
  // Node's default cuts any request still arriving after 300 s: a big upload on a slow link.
  // Stalled uploads are cut by the idle timeout of the stream they feed instead.
  const server = http.createServer({ requestTimeout: 0 }, app);
  server.on(
    'upgrade',
    routeUpgrades(
      guard,
      (pathname) => {
        if (pathname === GOSSIP_PATH) return (req, socket, head, caller) => transport.acceptUpgrade(req, socket, head, caller);
        if (pathname === EVENTS_PATH) return (req, socket, head, caller) => events.accept(req, socket, head, caller);
        if (isBlobStreamPath(pathname)) return (req, socket) => serveBlobStream(storage.ctx, req, socket);
        return undefined;
      },
      logger.child({ component: 'upgrade' }),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(self.port, self.host, () => resolve());
  });

  transport.start();
  membership.start();
  antiEntropy.start();
  storage.start();
  converter.start();

  return {
    url: `http://${self.host}:${self.port}`,
    incarnation,
    async close() {
      // Say goodbye first (SWIM leave, at most leaveTimeoutMs): peers record us as `left`, not
      // dead, and raise no alarm. The incarnation we leave with is kept for the next start.
      const farewell = await membership.leave();
      recordIncarnation(config.systemDir, membership.incarnation);
      logger.info({ ...farewell, incarnation: membership.incarnation }, 'left the cluster');
      await converter.stop();
      await storage.stop();
      antiEntropy.stop();
      membership.stop();
      faultInjector.close();
      await transport.close();
      await events.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await committer.close();
      await store.close();
      eventLoop.stop();
    },
  };
}

export type { NodeId };
