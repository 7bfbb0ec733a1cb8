import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../config/schema';
import type { Say } from '../devstack/say';

/**
 * Builds the dashboard into web/dist when it is missing or older than web/src, saying so
 * ("Building the dashboard (web/dist)…"), before `labwire start` or `labwire api` serves it. One
 * implementation: scripts/ensure-dashboard.cjs (dependency-free; also runnable on its own). An
 * installation without it (the container image copies no scripts/) serves what it has; a failed
 * build is reported and the API still starts (its page then says the dashboard is not built).
 */
export function ensureDashboardBuilt(say: Say): void {
  const script = join(projectRoot, 'scripts', 'ensure-dashboard.cjs');
  if (!existsSync(script)) return;
  const result = spawnSync(process.execPath, [script], { cwd: projectRoot, stdio: 'inherit' });
  if (result.error || result.status !== 0) {
    say(`The dashboard (web/dist) could not be built${result.error ? ` (${result.error.message})` : ''}; the API starts without it. Run npm run build:web to see why.`);
  }
}
