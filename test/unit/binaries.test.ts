import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedBinaryPath, MissingBinaryError, resolveBinary, TEMPORAL_CLI } from '../../src/devstack/binaries';
import { silent } from '../../src/devstack/say';

function script(path: string, exitCode: number): string {
  writeFileSync(path, `#!/bin/sh\nexit ${exitCode}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('resolving a server binary', () => {
  let cacheDir: string;
  let emptyPath: string;
  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'labwire-cache-'));
    emptyPath = mkdtempSync(join(tmpdir(), 'labwire-path-'));
  });

  it('given no binary and no Go, names the three ways out', async () => {
    const attempt = resolveBinary(TEMPORAL_CLI, { cacheDir, pathEnv: emptyPath, say: silent, goCommand: 'no-such-go-binary' });
    await expect(attempt).rejects.toThrow(MissingBinaryError);
    await expect(attempt).rejects.toThrow(/install Go 1\.25 or newer/);
    await expect(attempt).rejects.toThrow(/set TEMPORAL_CLI_PATH/);
    await expect(attempt).rejects.toThrow(/docker compose up/);
  });

  it('given an explicit path that is not executable, says which variable to fix', async () => {
    const attempt = resolveBinary(TEMPORAL_CLI, { explicitPath: join(cacheDir, 'nothing'), cacheDir, say: silent });
    await expect(attempt).rejects.toThrow(/TEMPORAL_CLI_PATH=.*nothing is not an executable file/);
  });

  it('prefers the explicit path, then PATH, then the cache', async () => {
    const explicit = script(join(emptyPath, 'mine'), 0);
    await expect(resolveBinary(TEMPORAL_CLI, { explicitPath: explicit, cacheDir, say: silent })).resolves.toBe(explicit);

    const onPath = script(join(emptyPath, 'temporal'), 0);
    await expect(resolveBinary(TEMPORAL_CLI, { cacheDir, pathEnv: emptyPath, say: silent })).resolves.toBe(onPath);

    mkdirSync(join(cacheDir, 'bin'));
    const cached = script(cachedBinaryPath(TEMPORAL_CLI, cacheDir), 0);
    const otherPath = mkdtempSync(join(tmpdir(), 'labwire-path-'));
    await expect(resolveBinary(TEMPORAL_CLI, { cacheDir, pathEnv: otherPath, say: silent })).resolves.toBe(cached);
  });

  it('given a cached binary that does not run, treats it as missing (so it is rebuilt)', async () => {
    mkdirSync(join(cacheDir, 'bin'));
    script(cachedBinaryPath(TEMPORAL_CLI, cacheDir), 3);
    const attempt = resolveBinary(TEMPORAL_CLI, { cacheDir, pathEnv: emptyPath, say: silent, goCommand: 'no-such-go-binary' });
    await expect(attempt).rejects.toThrow(/Go is not installed/);
  });
});
