// Builds the dashboard into web/dist when it is missing or older than its sources, so that
// `labwire start` (`npm start`) and `labwire api` (`npm run api`) on a fresh clone serve the
// dashboard rather than the "not built yet" page; both call it (src/cli/dashboard-build.ts).
// Dependency-free on purpose. Without web/src (an installation of the built files only) it does nothing.
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

const sources = ['src', 'index.html', 'vite.config.ts'].map((name) => join(web, name)).filter((path) => existsSync(path));
if (!existsSync(join(web, 'src'))) process.exit(0);
const stale = !existsSync(built) || statSync(built).mtimeMs < Math.max(...sources.map(newestSource));
if (stale) {
  process.stderr.write('Building the dashboard (web/dist)…\n');
  const result = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: join(web, '..'), stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('The dashboard build failed; see the output above.\n');
    process.exit(result.status ?? 1);
  }
}
