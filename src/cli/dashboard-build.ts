import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../config/schema';

/**
 * Builds the dashboard into web/dist when it is missing or older than web/src, saying so
 * ("Building the dashboard (web/dist)…"), before `labwire start` or `labwire api` serves it. One
 * implementation: scripts/ensure-dashboard.cjs (dependency-free; also runnable on its own).
 */
export function ensureDashboardBuilt(): void {
  const result = spawnSync(process.execPath, [join(projectRoot, 'scripts', 'ensure-dashboard.cjs')], { cwd: projectRoot, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error('The dashboard (web/dist) could not be built; see the output above, or run `npm run build:web`.');
}
