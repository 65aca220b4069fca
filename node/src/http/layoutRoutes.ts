import express from 'express';
import type { NodeId } from '../gossip/frames';
import { applyLayoutRequestSchema, holdingsRequestSchema, joinRequestSchema, type HoldingsAnswer, type JoinAnswer, type LayoutAnswer } from '../api/layout';
import type { LayoutAdmin } from '../layout/layoutAdmin';
import type { LayoutService } from '../layout/layoutService';
import type { AddressBook } from '../layout/addressBook';
import { signedJson } from './clusterAuth';
import { AppError } from './errors';
import { parseInput } from './validate';

export interface LayoutRoutesDeps {
  self: NodeId;
  layout: LayoutService;
  admin: LayoutAdmin;
  addresses: AddressBook;
  /** Whether this node holds the file stored and whole (its own record and its blob). */
  holdsStored(userId: string, fileId: string): Promise<boolean>;
}

/**
 * The cluster layout (DESIGN §12): GET and POST /v1/layout (the admin's, signed like every node
 * call), POST /v1/join (a new region introducing itself to any member) and POST
 * /v1/layout/holdings (what a new holder holds, asked before an old holder drops its copy).
 */
export function layoutRoutes(deps: LayoutRoutesDeps): express.Router {
  const router = express.Router();
  const json = signedJson('64kb');

  const answer = (): LayoutAnswer => {
    const layout = deps.layout.current();
    const inLayout = new Set(layout.nodes.map((node) => node.id));
    return { layout, joined: deps.addresses.all().filter((address) => !inLayout.has(address.id)) };
  };

  router.get('/v1/layout', (_req, res) => {
    res.json(answer());
  });

  router.post('/v1/layout', json, async (req, res) => {
    const request = parseInput(applyLayoutRequestSchema, req.body, 'body');
    await deps.admin.apply(request, req.caller ?? 'unknown');
    res.json(answer());
  });

  router.post('/v1/join', json, (req, res) => {
    const { node } = parseInput(joinRequestSchema, req.body, 'body');
    // A node speaks for itself only: the gateway (or another node) cannot plant an address.
    if (req.caller !== node.id) throw new AppError('forbidden', `A join is signed by the joining node (signed by ${req.caller}, joining ${node.id}).`);
    if (node.id === deps.self) throw new AppError('conflict', `This node is ${deps.self}.`);
    deps.addresses.learn(node);
    const body: JoinAnswer = { self: deps.self, nodes: deps.addresses.all(), layout: deps.layout.current() };
    res.json(body);
  });

  router.post('/v1/layout/holdings', json, async (req, res) => {
    const { files } = parseInput(holdingsRequestSchema, req.body, 'body');
    const stored = await Promise.all(files.map(({ userId, fileId }) => deps.holdsStored(userId, fileId)));
    const body: HoldingsAnswer = { version: deps.layout.version, stored };
    res.json(body);
  });

  return router;
}
