import express, { type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { NodeSpec } from '../../../node/src/config/clusterConfig';
import { createPasswordHasher } from '../auth/passwords';
import { NodeRouting } from '../files/nodeRouting';
import { TreeClient } from '../files/treeClient';
import type { WriteLimit } from '../http/perUserRateLimit';
import type { MeshMonitor } from '../mesh/meshMonitor';
import type { NodeClient } from '../mesh/nodeClient';
import type { ThumbnailService } from '../previews/thumbnailService';
import type { AccountsStore } from '../store/accountsStore';
import { DownloadLimits } from './downloadLimits';
import { createDropUpload } from './dropUpload';
import { createOwnerShareRoutes } from './ownerRoutes';
import { createPublicDownload } from './publicDownload';
import { createPublicShareRoutes } from './publicRoutes';
import { ShareAccess } from './shareAccess';
import { DEFAULT_SHARE_POLICY, type SharePolicy } from './sharePolicy';
import type { ShareStore } from './shareStore';

export interface SharesRouterDeps {
  shares: ShareStore;
  accounts: Pick<AccountsStore, 'userById'>;
  client: NodeClient;
  mesh: MeshMonitor;
  nodes: ReadonlyMap<string, NodeSpec>;
  requireUser: RequestHandler;
  bcryptCost: number;
  /** The built dashboard's index.html (the page /s/:token). */
  dashboardIndex: string;
  /** Thumbnails for a shared folder's pictures; without it the page shows icons. */
  thumbnails?: Pick<ThumbnailService, 'check' | 'thumbnail'>;
  policy?: SharePolicy;
  /** Link creates, changes and revokes per user. */
  writeLimit?: WriteLimit;
  now?: () => number;
  logger: Logger;
}

/** Creating, changing and revoking links: a person does a few a minute; a script is held at this. */
export const DEFAULT_SHARE_WRITE_LIMIT: WriteLimit = { limit: 300, windowMs: 60_000 };

/** Share links (DESIGN §8, issue 13): the owner's /api/shares and the public /s/:token side. */
export function createSharesRouter(deps: SharesRouterDeps): express.Router {
  const now = deps.now ?? Date.now;
  const policy = deps.policy ?? DEFAULT_SHARE_POLICY;
  const routing = new NodeRouting(deps.mesh, deps.nodes);
  const tree = new TreeClient(deps.client);
  const passwords = createPasswordHasher(deps.bcryptCost);
  const limits = new DownloadLimits(() => deps.shares.commit());
  const anyRegion = [...deps.nodes.keys()][0];
  if (anyRegion === undefined) throw new Error('createSharesRouter: at least one node is needed');
  const access = new ShareAccess({ shares: deps.shares, accounts: deps.accounts, routing, tree, anyRegion, now });

  const router = express.Router();
  router.use(
    createOwnerShareRoutes({
      shares: deps.shares,
      access,
      passwords,
      requireUser: deps.requireUser,
      policy,
      writeLimit: deps.writeLimit ?? DEFAULT_SHARE_WRITE_LIMIT,
      now,
      logger: deps.logger,
    }),
  );
  router.use(
    createPublicShareRoutes({
      access,
      routing,
      tree,
      limits,
      passwords,
      download: createPublicDownload({ client: deps.client, routing, tree, limits, logger: deps.logger }),
      ...(deps.thumbnails ? { thumbnails: deps.thumbnails } : {}),
      dropUpload: createDropUpload({ client: deps.client, routing, perOwner: policy.dropUploadsPerOwner, logger: deps.logger }),
      policy,
      dashboardIndex: deps.dashboardIndex,
      now,
      logger: deps.logger,
    }),
  );
  return router;
}

