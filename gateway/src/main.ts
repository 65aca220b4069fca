import http from 'node:http';
import path from 'node:path';
import { Server as IoServer } from 'socket.io';
import { loadClusterConfig } from '../../node/src/config/clusterConfig';
import { ConfigError } from '../../common/config/configError';
import { readCommonEnv } from '../../common/config/env';
import { loadOrCreateClusterSecret } from '../../common/signing/clusterSecret';
import { createLogger } from '../../common/logging/createLogger';
import { createGatewayApp } from './app/createGatewayApp';
import { createRequireUser } from './auth/requireUser';
import { readGatewayConfig } from './config/gatewayConfig';
import { createFilesRouter } from './files/createFilesRouter';
import { UploadSlots } from './files/uploadSlots';
import { createUploadsRouter } from './uploads/createUploadsRouter';
import { createTrashRouter } from './files/trashRoutes';
import { createVersionRouter } from './files/versionRoutes';
import { createTreeRouter } from './files/treeRoutes';
import { startMail } from './mail/startMail';
import { isLoopbackHost } from './dev/loopback';
import { ensurePrivateDir } from '../../common/durable/privateDir';
import { createMeshRouter } from './mesh/createMeshRouter';
import { MeshMonitor } from './mesh/meshMonitor';
import { attachMeshSocket } from './mesh/meshSocket';
import { NodeClient } from './mesh/nodeClient';
import { createMeshPhotoStore, createSkillshareRouter, openSkillshareStore } from './skillshare';
import { createPreviewsRouter, openThumbnailService, readThumbnailConfig } from './previews';
import { createSharesRouter } from './shares/createSharesRouter';
import { readSharePolicy } from './shares/sharePolicy';
import { ShareStore } from './shares/shareStore';
import { startBufferReclaimer } from '../../common/runtime/bufferReclaimer';
import { startOldSpaceReclaimer } from '../../common/runtime/oldSpaceReclaimer';
import { AccountsStore } from './store/accountsStore';
import { createDashboardRouter } from './web/createDashboardRouter';

/** `npm run gateway`: the REST API, socket.io, the mail sink and the built dashboard. */
async function main(): Promise<void> {
  let config;
  let thumbnailConfig;
  let common;
  let cluster;
  let sharePolicy;
  try {
    config = readGatewayConfig();
    thumbnailConfig = readThumbnailConfig(config.gatewayDir);
    common = readCommonEnv();
    cluster = loadClusterConfig(common.configDir, common.profile);
    sharePolicy = readSharePolicy();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`geovault gateway: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger('gateway', config.logLevel);
  const secret = loadOrCreateClusterSecret(config.dataDir, common.clusterSecret);

  ensurePrivateDir(config.gatewayDir);
  const accounts = await AccountsStore.open(config.gatewayDir);
  const mail = await startMail(config, logger);
  const requireUser = createRequireUser({ accounts, logger: logger.child({ component: 'session' }) });
  // Grows as regions join the cluster live (the mesh monitor reads the layout): every router
  // and the node client route with it, so a region that joined is used without a restart.
  const nodeAddresses = new Map(cluster.nodes);
  const client = new NodeClient(nodeAddresses, secret, { controlTimeoutMs: config.nodeTimeoutMs, streamSockets: config.nodeStreamSockets });
  const mesh = new MeshMonitor({
    nodes: [...cluster.nodes.values()],
    secret,
    client,
    logger: logger.child({ component: 'mesh' }),
    onNodeFound: (spec) => nodeAddresses.set(spec.id, spec),
  });
  mesh.start();
  const shares = await ShareStore.open(config.gatewayDir);
  const thumbnails = await openThumbnailService(thumbnailConfig, { client, mesh, nodes: nodeAddresses, logger: logger.child({ component: 'thumbnails' }) });
  const skillshareLogger = logger.child({ component: 'skillshare' });
  const skillshare = await openSkillshareStore(path.join(config.gatewayDir, 'skillshare.json'), { now: Date.now, logger: skillshareLogger });

  // One cap per user over both upload routes (DESIGN §9).
  const uploadSlots = new UploadSlots(config.uploadsPerUser);
  const app = createGatewayApp({
    logger,
    accounts,
    mailer: mail.mailer,
    // Codes of every user: only for the developer at this machine (DESIGN §8).
    mailSink: isLoopbackHost(config.host) ? mail.sink : undefined,
    regions: () => mesh.homeRegions(),
    bcryptCost: config.bcryptCost,
    trustProxy: config.trustProxy,
    routers: [
      { path: '/', router: createFilesRouter({ client, mesh, nodes: nodeAddresses, requireUser, uploadsPerUser: config.uploadsPerUser, uploadSlots, logger: logger.child({ component: 'files' }) }) },
      { path: '/', router: createUploadsRouter({ client, mesh, nodes: nodeAddresses, requireUser, uploadSlots, logger: logger.child({ component: 'uploads' }) }) },
      { path: '/', router: createPreviewsRouter({ client, mesh, nodes: nodeAddresses, requireUser, thumbnails }) },
      { path: '/', router: createTreeRouter({ client, mesh, nodes: nodeAddresses, requireUser, logger: logger.child({ component: 'tree' }) }) },
      { path: '/', router: createTrashRouter({ client, mesh, nodes: nodeAddresses, requireUser, logger: logger.child({ component: 'trash' }) }) },
      { path: '/', router: createVersionRouter({ client, mesh, nodes: nodeAddresses, requireUser, logger: logger.child({ component: 'versions' }) }) },
      { path: '/', router: createMeshRouter({ mesh, client, requireUser, isAdmin: (email) => config.adminEmails.has(email.toLowerCase()), logger: logger.child({ component: 'mesh' }) }) },
      {
        path: '/api/skillshare',
        router: createSkillshareRouter({
          store: skillshare,
          mailer: mail.mailer,
          requireUser,
          now: Date.now,
          logger: skillshareLogger,
          contactOf: (userId) => {
            const account = accounts.userById(userId);
            return account && { email: account.email };
          },
          photos: createMeshPhotoStore({ client, mesh, nodes: nodeAddresses, logger: skillshareLogger }),
        }),
      },
      {
        path: '/',
        router: createSharesRouter({ shares, accounts, client, mesh, nodes: nodeAddresses, requireUser, bcryptCost: config.bcryptCost, dashboardIndex: path.resolve('web/dist/index.html'), thumbnails, policy: sharePolicy, logger: logger.child({ component: 'shares' }) }),
      },
      { path: '/', router: createDashboardRouter(path.resolve('web/dist')) },
    ],
  });

  // Node's default cuts any request still arriving after 300 s: a big upload on a slow link.
  // Stalled uploads are cut by the idle timeout of the stream they feed instead.
  // Clients keep idle connections far longer than Node's 5 s (browsers minutes): a server that
  // closes first races the client's next request on that socket, which then fails with
  // ECONNRESET (a browser test's API call did, under load). Keep them longer than clients reuse
  // them, as proxies do, and let the headers' deadline outlast it.
  const server = http.createServer({ requestTimeout: 0, keepAliveTimeout: 65_000, headersTimeout: 66_000 }, app);
  const io = new IoServer(server, { serveClient: false });
  const detachMesh = attachMeshSocket(io, mesh);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const url = `http://${config.host}:${config.port}`;
  logger.info({ url, mailSink: mail.sink ? `smtp://${mail.sink.host}:${mail.sink.port}` : undefined }, 'gateway listening');
  if (mail.sink && !isLoopbackHost(config.host)) {
    logger.warn({ host: config.host }, 'the dev mailbox is off: the gateway listens beyond this machine, and it shows every user\'s codes; set SMTP_URL to send real mail');
  }
  startBufferReclaimer();
  startOldSpaceReclaimer();

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'gateway stopping');
    setTimeout(() => process.exit(1), 5_000).unref();
    detachMesh();
    mesh.stop();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    server.closeAllConnections();
    await mail.close();
    client.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  if (process.send) process.on('disconnect', () => void stop('parent exited'));
}

main().catch((error) => {
  process.stderr.write(`geovault gateway: failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
