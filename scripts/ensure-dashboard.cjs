// Builds the dashboard into web/dist when it is missing or older than its sources, so that
// `npm start` on a fresh clone serves the dashboard rather than the "not built yet" page.
// Dependency-free on purpose (runs before anything else of ours).
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const web = join(__dirname, '..', 'web');
const built = join(web, 'dist', 'index.html');

function newestSource(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestSource(join(path, name))));
}

const sources = ['src', 'index.html', 'vite.config.ts'].map((name) => join(web, name));
const stale = !existsSync(built) || statSync(built).mtimeMs < Math.max(...sources.map(newestSource));
if (stale) {
  process.stderr.write('Building the dashboard (web/dist)…\n');
  const result = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: join(web, '..'), stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('The dashboard build failed; see the output above.\n');
    process.exit(result.status ?? 1);
  }
}
