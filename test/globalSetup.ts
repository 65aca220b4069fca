import { buildDashboardIfStale } from '../scripts/buildDashboard.mjs';
import { buildServer } from '../scripts/buildServer.mjs';

/** Once per test run: the server bundles every multi-process test spawns, and the dashboard the browser tests load. */
export default async function setup(): Promise<void> {
  await buildServer();
  buildDashboardIfStale();
}
