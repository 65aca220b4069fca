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
import { AddressBook, addressOf } from './layout/addressBook';
import { LayoutService } from './layout/layoutService';
import { LayoutClient } from './layout/layoutClient';
import { LayoutAdmin } from './layout/layoutAdmin';
import { JoinAnnouncer } from './layout/joinAnnouncer';
import { layoutRoutes } from './http/layoutRoutes';
import { seedLayout } from './layout/clusterLayout';
import { ExpectedRecount } from './layout/expectedRecount';
import type { MemberState } from './gossip/frames';

const ALIVE: ReadonlySet<MemberState> = new Set(['alive']);
const ALIVE_OR_SUSPECT: ReadonlySet<MemberState> = new Set(['alive', 'suspect']);

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
  // Where every node listens: the node files first, then layouts and joins (DESIGN §12).
  const addresses = new AddressBook(addressOf(self), config.peers.map(addressOf));
  const transport = new WsTransport({
    self: self.id,
    peerUrls: new Map([...addresses.peers].map(([id, peer]) => [id, `ws://${peer.host}:${peer.port}`])),
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

  // A founding node starts from version 1 of the node files; a node joining by address from nothing.
  const founders = config.seeds.length === 0 ? [...config.cluster.nodes.values()].map(addressOf) : undefined;
  let layout: LayoutService | undefined;
  let recount: ExpectedRecount | undefined;
  const { store, index, committer } = await openNodeIndex({
    dir: config.systemDir,
    self: self.id,
    placementNodes: () => layout?.placementNodes() ?? (founders ? seedLayout(founders).nodes.map((node) => node.id) : []),
    replicas: config.storage.replicas,
    onExpectedChange: (userId, fileId, delta) => recount?.expectedChanged(userId, fileId, delta),
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
    // Every member of the layout, dead ones too: a tombstone is collected only once all have it.
    // A decommissioned member is no longer waited for.
    members: () => [...(layout?.members() ?? [self.id])],
  });
  layout = new LayoutService({ self: self.id, index, writer: antiEntropy, founders, logger: logger.child({ component: 'layout' }) });
  const clusterLayout = layout;
  recount = new ExpectedRecount({
    self: self.id,
    replicas: config.storage.replicas,
    layoutVersion: () => clusterLayout.version,
    placementNodes: () => clusterLayout.placementNodes(),
    counters: store.counters,
    entries: (prefix, page) => index.entries(prefix, page),
    transaction: (fn) => store.transaction(fn),
    filesPerSecond: config.storage.rebalanceFilesPerSecond,
    logger: logger.child({ component: 'expected-recount' }),
  });
  const expectedRecount = recount;
  clusterLayout.onChange(() => expectedRecount.check());
  addresses.onLearn((address, isNew) => {
    transport.addPeer(address.id, `ws://${address.host}:${address.port}`);
    membership.addSeed(address.id);
    if (isNew) logger.info({ peer: address.id, host: address.host, port: address.port }, 'learnt a node address');
  });
  // After the listener: a region added while this node was down is dialled and probed too.
  addresses.learnLayout(clusterLayout.current());
  clusterLayout.onChange((next) => addresses.learnLayout(next));
  antiEntropy.onChange((facts) => clusterLayout.onFacts(facts));
  // Peers outside the layout (joined, not yet added) gossip the index but hold no data yet.
  const membersIn = (states: ReadonlySet<MemberState>) => {
    const members = new Set(clusterLayout.members());
    return [self.id, ...membership.members().filter((m) => m.id !== self.id && states.has(m.state) && members.has(m.id)).map((m) => m.id)];
  };
  const liveMembers = () => membersIn(ALIVE);

  const now = () => new Date().toISOString();
  // The snapshot is built on demand, so the hub can exist before everything it reports on.
  const events = new EventsHub(() => ({ type: 'snapshot', node: self.id, at: now(), status: status() }), logger.child({ component: 'events' }));
  const publish = (event: NodeEvent) => events.publish(event);

  const layoutClient = new LayoutClient({ self: self.id, secret: config.secret, links, address: (peer) => addresses.peers.get(peer) });
  const storage = new StorageService({
    self: self.id,
    nodeDir: config.nodeDir,
    secret: config.secret,
    peers: addresses.peers,
    layout: clusterLayout,
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
      liveNodes: liveMembers,
      aliveOrSuspectNodes: () => membersIn(ALIVE_OR_SUSPECT),
      rttMs: (peer) => membership.member(peer)?.rttMs ?? null,
    },
    settings: config.storage,
    encryption: config.encryption,
    logger,
    activity: (activity) => publish({ type: 'replication', node: self.id, at: now(), ...activity }),
    holdings: (peer, files) => layoutClient.holdings(peer, { files }),
    systemDir: config.systemDir,
  });
  clusterLayout.onChange(() => storage.layoutChanged());
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
      addresses.all().filter((peer) => peer.id !== self.id).map((peer) => [
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
      rebalance: storage.rebalancer.summary(),
    },
    tree: { logEntries: store.schema.tree.logEntries(), ...storage.treeCompactor.summary() },
    housekeeping: storage.housekeeping.summary(),
    gossip: { malformedFrames: transport.malformedFrames },
    membership: {
      localHealth: membership.localHealth(),
      clockSkew: { warnAboveMs: CLOCK_SKEW_WARN_MS, signatureWindowMs: SIGNATURE_WINDOW_MS, skewedPeers: transport.clockSkew.skewedPeers() },
    },
    eventLoop: eventLoop.lastWindow,
    layout: { version: clusterLayout.version, state: clusterLayout.current().nodes.find((node) => node.id === self.id)?.state ?? null, joining: joiner.stats },
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

  const joiner = new JoinAnnouncer({
    self: addressOf(self),
    seeds: config.seeds,
    client: layoutClient,
    addresses,
    layout: clusterLayout,
    intervalMs: 10_000,
    logger: logger.child({ component: 'join' }),
  });
  const layoutAdmin = new LayoutAdmin({
    self: self.id,
    layout: clusterLayout,
    replicas: config.storage.replicas,
    isAlive: (id) => {
      const state = membership.member(id)?.state;
      return state === 'alive' || state === 'suspect';
    },
    storedReplicas: async (id) => {
      if (id === self.id) return storage.summary().replicas.stored;
      const peerStatus = (await layoutClient.status(id)) as { storage?: { replicas?: { stored?: unknown } } };
      const stored = peerStatus.storage?.replicas?.stored;
      if (typeof stored !== 'number') throw new Error('no replica count in its status');
      return stored;
    },
    logger: logger.child({ component: 'layout-admin' }),
  });
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
    routers: [
      layoutRoutes({
        self: self.id,
        layout: clusterLayout,
        admin: layoutAdmin,
        addresses,
        holdsStored: async (userId, fileId) => {
          const entry = storage.ctx.catalog.entry(userId, fileId);
          if (!entry || storage.ctx.catalog.replicaRecord(self.id, userId, fileId)?.state !== 'stored') return false;
          return (await storage.ctx.blobs.stat(userId, fileId))?.size === entry.size;
        },
      }),
      ...storage.routers,
    ],
  });
  // Node's default cuts any request still arriving after 300 s: a big upload on a slow link.
  // Stalled uploads are cut by the idle timeout of the stream they feed instead.
  // A socket's 16 KiB high-water mark made a download write one 64 KiB segment per 'drain'
  // (4,096 writes for 256 MiB encrypted); with 1 MiB, the opened segments of a read leave in
  // one writev: about a fifth less node CPU per encrypted download.
  const server = http.createServer({ requestTimeout: 0, highWaterMark: 1024 * 1024 }, app);
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
  joiner.start();
  expectedRecount.check();
  clusterLayout.seedIfMissing({ waitMs: index.startedEmpty ? 10_000 : 0 }).catch((error: unknown) => logger.error({ err: error }, 'could not seed the cluster layout'));

  return {
    url: `http://${self.host}:${self.port}`,
    incarnation,
    async close() {
      // Say goodbye first (SWIM leave, at most leaveTimeoutMs): peers record us as `left`, not
      // dead, and raise no alarm. The incarnation we leave with is kept for the next start.
      const farewell = await membership.leave();
      recordIncarnation(config.systemDir, membership.incarnation);
      logger.info({ ...farewell, incarnation: membership.incarnation }, 'left the cluster');
      await joiner.stop();
      await expectedRecount.stop();
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
