// `npm run node -- <id>` and `npm run gateway`: builds the bundles if they are stale (atomically, so
// processes started together are safe), then runs one server process with the same flags and environment as `npm start` and the tests (buildServer.mjs).
import { spawn } from 'node:child_process';
import { buildServer, processEnv, processFlags } from './buildServer.mjs';

const [kind, ...args] = process.argv.slice(2);
if (kind !== 'node' && kind !== 'gateway') {
  process.stderr.write('usage: node scripts/runServer.mjs node <id> | gateway\n');
  process.exit(2);
}
await buildServer();
const child = spawn(process.execPath, [...processFlags(kind), `dist/${kind}.mjs`, ...args], { stdio: 'inherit', env: processEnv(process.env) });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
