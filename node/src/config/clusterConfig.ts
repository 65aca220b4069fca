import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { nodeIdSchema, type NodeId } from '../gossip/frames';
import type { LinkProfile } from '../transport/linkSimulator';
import { ConfigError } from '../../../common/config/configError';
import { PROFILES, type ProfileName } from '../../../common/config/env';

/**
 * config/nodes/: one `<id>.json` per node (where it runs and whom it gossips with) and
 * `links.json` (per-profile link properties of the simulated WAN). Loaded once at start-up.
 */

/** `host:port` of a member to join through (GEOVAULT_SEED, or `seeds` in a node file). */
export const hostPortSchema = z
  .string()
  .regex(/^[A-Za-z0-9.-]{1,253}:\d{1,5}$/, 'host:port (a member to join through)')
  .refine((value) => {
    const port = Number(value.slice(value.lastIndexOf(':') + 1));
    return port >= 1 && port <= 65535;
  }, 'a port from 1 to 65535');

export function parseHostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
}

export const nodeSpecSchema = z.strictObject({
  id: nodeIdSchema,
  label: z.string().min(1, 'a non-empty display name').max(80),
  region: z.string().min(1).max(40),
  lat: z.number().min(-90, 'a latitude from -90 to 90').max(90, 'a latitude from -90 to 90'),
  lon: z.number().min(-180, 'a longitude from -180 to 180').max(180, 'a longitude from -180 to 180'),
  host: z.string().min(1, 'a host name or IP address'),
  port: z.number().int('an integer port').min(1, 'a port from 1 to 65535').max(65535, 'a port from 1 to 65535'),
  peers: z.array(nodeIdSchema).max(64),
  /**
   * A node that joins a running cluster: the address (host:port) of any member, where it
   * introduces itself (README: adding a region). Such a node is not a founding node: `npm
   * start` does not start it, and it is in no layout until an admin adds it.
   */
  seeds: z.array(hostPortSchema).min(1).max(16).optional(),
});
export type NodeSpec = z.infer<typeof nodeSpecSchema>;

const linkProfileSchema = z.strictObject({
  delayMs: z.number().min(0, 'a delay of 0 ms or more').max(10_000),
  jitterMs: z.number().min(0, 'a jitter of 0 ms or more').max(10_000),
  lossPercent: z.number().min(0, 'a loss from 0 to 100 %').max(100, 'a loss from 0 to 100 %'),
});

const linksFileSchema = z.strictObject({
  profiles: z.record(
    z.string(),
    z.strictObject({
      description: z.string().optional(),
      default: linkProfileSchema,
      links: z.array(
        linkProfileSchema.extend({ between: z.tuple([nodeIdSchema, nodeIdSchema]) }),
      ),
    }),
  ),
});


export interface ClusterConfig {
  /** The founding nodes: started by `npm start`, and the first layout (version 1). */
  readonly nodes: ReadonlyMap<NodeId, NodeSpec>;
  /** Nodes that join a running cluster through `seeds` (started alone, added live). */
  readonly joiners: ReadonlyMap<NodeId, NodeSpec>;
  readonly profile: ProfileName;
  /** Link properties between two nodes (symmetric), falling back to the profile's default. */
  linkBetween(a: NodeId, b: NodeId): LinkProfile;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, '', `a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, '', `valid JSON (${(error as Error).message})`);
  }
}

function parseWith<T>(schema: z.ZodType<T>, file: string, data: unknown): T {
  const result = schema.safeParse(data);
  if (!result.success) throw ConfigError.fromZod(file, result.error);
  return result.data;
}

export function loadClusterConfig(configDir: string, profile: ProfileName): ClusterConfig {
  let names: string[];
  try {
    names = fs.readdirSync(configDir).filter((name) => name.endsWith('.json') && name !== 'links.json');
  } catch {
    throw new ConfigError(configDir, '', 'a directory of node files (<id>.json) and links.json');
  }
  const nodes = new Map<NodeId, NodeSpec>();
  const joiners = new Map<NodeId, NodeSpec>();
  for (const name of names.sort()) {
    const file = path.join(configDir, name);
    const spec = parseWith(nodeSpecSchema, file, readJson(file));
    if (`${spec.id}.json` !== name) throw new ConfigError(file, 'id', `"${name.slice(0, -5)}" (the id must match the file name)`);
    (spec.seeds ? joiners : nodes).set(spec.id, spec);
  }
  if (nodes.size === 0) throw new ConfigError(configDir, '', 'at least one founding node file (<id>.json without `seeds`)');
  const everyNode = new Map([...nodes, ...joiners]);
  for (const spec of everyNode.values()) {
    const file = path.join(configDir, `${spec.id}.json`);
    spec.peers.forEach((peer, i) => {
      if (!everyNode.has(peer)) throw new ConfigError(file, `peers.${i}`, `the id of a node in ${configDir} ("${peer}" has no ${peer}.json)`);
      if (!spec.seeds && joiners.has(peer)) throw new ConfigError(file, `peers.${i}`, `a founding node ("${peer}" joins through seeds; it finds its peers itself)`);
      if (peer === spec.id) throw new ConfigError(file, `peers.${i}`, 'another node (a node is not its own peer)');
    });
  }

  const linksFile = path.join(configDir, 'links.json');
  const links = parseWith(linksFileSchema, linksFile, readJson(linksFile));
  const chosen = links.profiles[profile];
  if (!chosen) throw new ConfigError(linksFile, `profiles.${profile}`, `a profile named "${profile}"`);
  const table = new Map<string, LinkProfile>();
  chosen.links.forEach(({ between: [a, b], ...props }, i) => {
    for (const [j, id] of [a, b].entries()) {
      if (!everyNode.has(id)) throw new ConfigError(linksFile, `profiles.${profile}.links.${i}.between.${j}`, `a configured node id ("${id}" is unknown)`);
    }
    table.set(linkKey(a, b), props);
  });

  return Object.freeze({
    nodes,
    joiners,
    profile,
    linkBetween: (a: NodeId, b: NodeId) => table.get(linkKey(a, b)) ?? chosen.default,
  });
}

function linkKey(a: NodeId, b: NodeId): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
