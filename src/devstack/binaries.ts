import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Say } from './say';

/** A server binary Labwire can build from its Go module when none is installed. */
export interface ServerBinary {
  name: 'temporal' | 'ferretdb' | 'temporal-server' | 'temporal-sql-tool';
  /** The file `go install` writes, when it is not `name` (the server's package is `cmd/server`). */
  installedName?: string;
  module: string;
  version: string;
  /** Relative package path inside the module. */
  command: string;
  pathVariable: 'TEMPORAL_CLI_PATH' | 'FERRETDB_PATH' | 'TEMPORAL_SERVER_PATH' | 'TEMPORAL_SQL_TOOL_PATH';
  /**
   * FerretDB reads its own version from a generated file that `go install` does not create
   * (its binary panics at start without it), so it is built from the module source instead.
   */
  needsVersionFile: boolean;
}

export const TEMPORAL_CLI: ServerBinary = {
  name: 'temporal',
  module: 'github.com/temporalio/cli',
  version: 'v1.5.1',
  command: 'cmd/temporal',
  pathVariable: 'TEMPORAL_CLI_PATH',
  needsVersionFile: false,
};

export const FERRETDB: ServerBinary = {
  name: 'ferretdb',
  module: 'github.com/FerretDB/FerretDB',
  version: 'v1.24.2',
  command: 'cmd/ferretdb',
  pathVariable: 'FERRETDB_PATH',
  needsVersionFile: true,
};

export class MissingBinaryError extends Error {
  override name = 'MissingBinaryError';
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A binary counts only if it runs: a half-written or broken build in the cache is rebuilt. */
function answersVersion(path: string): boolean {
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  return run.status === 0;
}

function onPath(name: string, pathEnv: string | undefined): string | undefined {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export function cachedBinaryPath(binary: ServerBinary, cacheDir: string): string {
  return join(cacheDir, 'bin', `${binary.name}-${binary.version}`);
}

export interface ResolveOptions {
  explicitPath?: string;
  cacheDir: string;
  pathEnv?: string;
  say: Say;
  /** Name of the Go tool; tests point it at something missing. */
  goCommand?: string;
}

/** Finds the binary (explicit path, PATH, cache) or builds it once into the cache. */
export async function resolveBinary(binary: ServerBinary, options: ResolveOptions): Promise<string> {
  if (options.explicitPath) {
    if (!isExecutable(options.explicitPath)) {
      throw new MissingBinaryError(
        `${binary.pathVariable}=${options.explicitPath} is not an executable file. Point it at a ${binary.name} binary or unset it.`,
      );
    }
    return options.explicitPath;
  }
  const fromPath = onPath(binary.name, options.pathEnv ?? process.env.PATH);
  if (fromPath) return fromPath;
  const cached = cachedBinaryPath(binary, options.cacheDir);
  if (isExecutable(cached) && answersVersion(cached)) return cached;
  await buildBinary(binary, cached, options);
  return cached;
}

function goAvailable(goCommand: string): boolean {
  return spawnSync(goCommand, ['version'], { encoding: 'utf8' }).status === 0;
}

function noGoMessage(binary: ServerBinary): string {
  return [
    `No ${binary.name} binary was found and Go is not installed to build it. Three ways out:`,
    `  1. install Go 1.25 or newer (https://go.dev/dl/) and run the command again: ${binary.name} ${binary.version} is built once and cached;`,
    `  2. set ${binary.pathVariable} to an existing ${binary.name} binary;`,
    `  3. run the whole stack with Docker instead: docker compose up.`,
  ].join('\n');
}

async function buildBinary(binary: ServerBinary, target: string, options: ResolveOptions): Promise<void> {
  const go = options.goCommand ?? 'go';
  if (!goAvailable(go)) throw new MissingBinaryError(noGoMessage(binary));
  mkdirSync(join(options.cacheDir, 'bin'), { recursive: true });
  const started = Date.now();
  options.say(
    `Building ${binary.name} ${binary.version} from ${binary.module} with Go. This happens once (cached in ${target}) and takes a few minutes on 2 cores.`,
  );
  const ticker = setInterval(() => {
    options.say(`  … still building ${binary.name} (${Math.round((Date.now() - started) / 1000)} s)`);
  }, 15_000);
  const partial = `${target}.partial-${process.pid}`;
  try {
    if (binary.needsVersionFile) await buildFromModuleSource(binary, partial, go, options.say);
    else await runGo(go, ['install', `${binary.module}/${binary.command}@${binary.version}`], { GOBIN: partial }, options.say);
    const built = binary.needsVersionFile ? partial : join(partial, binary.installedName ?? binary.name);
    chmodSync(built, 0o755);
    renameSync(built, target);
  } finally {
    clearInterval(ticker);
    rmSync(partial, { recursive: true, force: true });
  }
  options.say(`Built ${binary.name} in ${Math.round((Date.now() - started) / 1000)} s → ${target}`);
}

async function buildFromModuleSource(binary: ServerBinary, output: string, go: string, say: Say): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), `labwire-${binary.name}-`));
  try {
    const modDir = join(workDir, 'mod');
    mkdirSync(modDir);
    writeFileSync(join(modDir, 'go.mod'), 'module labwire.local/build\n\ngo 1.22\n');
    const download = await runGo(go, ['mod', 'download', '-json', `${binary.module}@${binary.version}`], {}, say, modDir);
    const sourceDir = (JSON.parse(download) as { Dir?: string }).Dir;
    if (!sourceDir) throw new MissingBinaryError(`go mod download gave no source directory for ${binary.module}@${binary.version}`);
    const srcCopy = join(workDir, 'src');
    cpSync(sourceDir, srcCopy, { recursive: true });
    spawnSync('chmod', ['-R', 'u+w', srcCopy]);
    writeFileSync(join(srcCopy, 'build', 'version', 'version.txt'), `${binary.version}\n`);
    await runGo(go, ['build', '-o', output, `./${binary.command}`], {}, say, srcCopy);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function runGo(go: string, args: string[], env: Record<string, string>, say: Say, cwd?: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(go, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderrTail = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderrTail = (stderrTail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) say(`  go: ${line.replace(/^go: /, '').trim()}`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(stdout);
      else reject(new MissingBinaryError(`go ${args.join(' ')} failed (exit ${code}):\n${stderrTail}`));
    });
  });
}
