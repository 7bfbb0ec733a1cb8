import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portIsOpen } from '../src/devstack/process';
import { CliProcess, processesMentioning, runCli } from './support/cli';
import { eventually } from './support/fixtures';

/** A stack of its own, on ports of its own, so the shared test servers are never touched. */
function ownStackEnv(dataDir: string) {
  return {
    LABWIRE_DATA_DIR: dataDir,
    TEMPORAL_PORT: '27233',
    TEMPORAL_UI_PORT: '28233',
    FERRETDB_PORT: '47017',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/labwire_test_lifecycle',
  };
}

describe('stack lifecycle', () => {
  it('starts its own servers, and SIGTERM stops every one of them: no process is left', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'labwire-lifecycle-'));
    const stack = new CliProcess(['stack'], ownStackEnv(dataDir));
    try {
      await stack.waitFor('Servers are ready');
      expect(stack.output).toContain('Temporal: starting the dev server on 127.0.0.1:27233');
      expect(stack.output).toContain('Log store: starting FerretDB');
      expect(processesMentioning(dataDir).length).toBeGreaterThanOrEqual(2);
      await expect(portIsOpen(28233)).resolves.toBe(true);

      stack.kill('SIGTERM');
      expect(await stack.exited).toBe(0);
      await eventually(async () => processesMentioning(dataDir).length === 0, 5_000);
      for (const port of [27233, 28233, 47017]) await expect(portIsOpen(port)).resolves.toBe(false);
    } finally {
      stack.kill('SIGKILL');
    }
  });

  it('given the Temporal port is held by another program, refuses with a message naming the variable', async () => {
    const blocker: Server = createServer((socket) => socket.end('not grpc')).listen(27234, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      const dataDir = mkdtempSync(join(tmpdir(), 'labwire-blocked-'));
      const run = runCli(['stack'], { ...ownStackEnv(dataDir), TEMPORAL_PORT: '27234', TEMPORAL_UI_PORT: '28234' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('Port 27234 is taken by something that is not a Temporal server');
      expect(run.stderr).toContain('TEMPORAL_PORT');
      expect(processesMentioning(dataDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
