import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portIsOpen, ReadinessError, startProcess, waitUntilReady } from '../../src/devstack/process';

describe('waiting for a server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labwire-proc-'));

  it('given the process dies before it is ready, reports its exit code and the end of its log', async () => {
    const child = startProcess('broken', 'sh', ['-c', 'echo "fatal: cannot bind"; exit 7'], join(dir, 'broken.log'), dir);
    const waiting = waitUntilReady('Broken server', async () => false, { timeoutMs: 10_000, process: child });
    await expect(waiting).rejects.toThrow(ReadinessError);
    await expect(waiting).rejects.toThrow(/Broken server exited \(code 7\)[\s\S]*fatal: cannot bind/);
  });

  it('given a server that never answers, names it and the time waited', async () => {
    await expect(waitUntilReady('Silent server', async () => false, { timeoutMs: 300 })).rejects.toThrow(
      'Silent server was not ready within 300 ms.',
    );
  });

  it('stops a started process and resolves once it has exited', async () => {
    const child = startProcess('sleeper', 'sleep', ['30'], join(dir, 'sleeper.log'), dir);
    await child.stop(2_000);
    await expect(child.exited).resolves.toBe(-1);
    expect(() => process.kill(child.pid, 0)).toThrow();
  });

  it('tells an open port from a closed one', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    await expect(portIsOpen(port)).resolves.toBe(true);
    await new Promise((resolve) => server.close(resolve));
    await expect(portIsOpen(port)).resolves.toBe(false);
  });
});
