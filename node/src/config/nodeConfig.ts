import path from 'node:path';
import type { NodeId } from '../gossip/frames';
import { lanSwimConfig, wanSwimConfig, type SwimConfig } from '../gossip/swimConfig';
import { loadOrCreateClusterSecret } from '../../../common/signing/clusterSecret';
import { hostPortSchema, loadClusterConfig, parseHostPort, type ClusterConfig, type NodeSpec } from './clusterConfig';
import { ConfigError } from '../../../common/config/configError';
import { readCommonEnv, type LogLevel } from '../../../common/config/env';
import { readStorageSettings } from './storageEnv';
import { loadEncryptionConfig, type EncryptionConfig } from './encryptionConfig';
import type { StorageSettings } from '../replication/replicationContext';

/** Everything a storage node needs, resolved and validated once at start-up, then frozen. */
export interface NodeConfig {
  readonly self: NodeSpec;
  readonly peers: readonly NodeSpec[];
  /**
   * Members to join through (GEOVAULT_SEED, else `seeds` in the node's file). Empty for a
   * founding node, which seeds layout version 1 from the founding nodes of config/nodes.
   */
  readonly seeds: ReadonlyArray<{ host: string; port: number }>;
  readonly cluster: ClusterConfig;
  readonly dataDir: string;
  /** vhd_storage/node-<id>: user trees live here (DESIGN §5). */
  readonly nodeDir: string;
  /** vhd_storage/node-<id>/_system: index log, incarnation. Never a UUID, so never a user's dir. */
  readonly systemDir: string;
  readonly secret: string;
  readonly logLevel: LogLevel;
  readonly swim: SwimConfig;
  readonly antiEntropy: AntiEntropySettings;
  readonly storage: StorageSettings;
  /** The master keyring and whether new blobs are encrypted (README: Encryption at rest). */
  readonly encryption: EncryptionConfig;
}

export interface AntiEntropySettings {
  /** How often a node sends its digest to a random peer. */
  intervalMs: number;
  /** Peers per anti-entropy round. */
  fanout: number;
  /** Peers an eagerly pushed fact goes to ('all' in a small mesh). */
  pushFanout: number | 'all';
  /** Whether facts received by push are forwarded on (rumour spreading, for large meshes). */
  forwardPushes: boolean;
  maxFactsPerFrame: number;
}

export function defaultAntiEntropySettings(): AntiEntropySettings {
  return { intervalMs: 1_000, fanout: 1, pushFanout: 'all', forwardPushes: false, maxFactsPerFrame: 500 };
}

export function loadNodeConfig(id: NodeId, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const common = readCommonEnv(env);
  const cluster = loadClusterConfig(common.configDir, common.profile);
  const self = cluster.nodes.get(id) ?? cluster.joiners.get(id);
  if (!self) {
    throw new ConfigError('command line', 'node id', `one of ${[...cluster.nodes.keys(), ...cluster.joiners.keys()].join(', ')} (got "${id}")`);
  }
  const seeds = readSeeds(env) ?? self.seeds ?? [];
  const nodeDir = path.join(common.dataDir, `node-${id}`);
  // First, before anything is created: a node given the wrong master key stops here untouched.
  const encryption = loadEncryptionConfig(common.dataDir, nodeDir, env);
  return Object.freeze({
    self,
    peers: self.peers.map((peer) => (cluster.nodes.get(peer) ?? cluster.joiners.get(peer))!),
    seeds: seeds.map(parseHostPort),
    cluster,
    dataDir: common.dataDir,
    nodeDir,
    systemDir: path.join(nodeDir, '_system'),
    secret: loadOrCreateClusterSecret(common.dataDir, common.clusterSecret),
    logLevel: common.logLevel,
    swim: common.profile === 'wan' ? wanSwimConfig() : lanSwimConfig(),
    antiEntropy: defaultAntiEntropySettings(),
    storage: readStorageSettings(env),
    encryption,
  });
}

/** GEOVAULT_SEED: comma-separated host:port of members to join through. */
function readSeeds(env: NodeJS.ProcessEnv): string[] | undefined {
  const raw = env.GEOVAULT_SEED?.trim();
  if (!raw) return undefined;
  const seeds = raw.split(',').map((seed) => seed.trim());
  seeds.forEach((seed, i) => {
    const result = hostPortSchema.safeParse(seed);
    if (!result.success) throw new ConfigError('environment', `GEOVAULT_SEED.${i}`, result.error.issues[0]?.message ?? 'host:port');
  });
  return seeds;
}
