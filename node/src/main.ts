import { loadNodeConfig } from './config/nodeConfig';
import { ConfigError } from '../../common/config/configError';
import { createLogger } from '../../common/logging/createLogger';
import { startBufferReclaimer } from '../../common/runtime/bufferReclaimer';
import { startStorageNode } from './storageNode';

/** `npm run node -- <id>`: one storage node. Everything is wired in storageNode.ts. */
async function main(): Promise<void> {
  const id = process.argv[2];
  let config;
  try {
    if (!id) throw new ConfigError('command line', 'node id', 'the id of a node in config/nodes (npm run node -- us-east)');
    config = loadNodeConfig(id);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`geovault node: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const logger = createLogger(`node:${config.self.id}`, config.logLevel);
  const node = await startStorageNode(config, logger);
  logger.info({ url: node.url, profile: config.cluster.profile, incarnation: node.incarnation }, 'node listening');
  startBufferReclaimer();

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'node stopping');
    const forced = setTimeout(() => process.exit(1), 5_000);
    forced.unref();
    await node.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // Started by `npm start` or a test harness over IPC: when that parent dies, so do we, so
  // that no node outlives the command that started it.
  if (process.send) process.on('disconnect', () => void stop('parent exited'));
}

main().catch((error) => {
  process.stderr.write(`geovault node: failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
