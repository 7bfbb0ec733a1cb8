import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';

/** A server process this stack started and therefore must stop. */
export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  exited: Promise<number | null>;
  stop(timeoutMs: number): Promise<void>;
}

export function startProcess(name: string, command: string, args: string[], logFile: string, cwd: string): ManagedProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn(command, args, { cwd, stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null)));
    child.once('error', () => resolve(-1));
  });
  return {
    name,
    pid: child.pid ?? -1,
    logFile,
    exited,
    async stop(timeoutMs) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function portIsOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function logTail(logFile: string, lines = 15): string {
  if (!existsSync(logFile)) return '(no log written)';
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export class ReadinessError extends Error {
  override name = 'ReadinessError';
}

/**
 * Polls `check` until it passes. Fails early if the process died, and always names the
 * server, the time waited and the end of its log so the reader knows what to fix.
 */
export async function waitUntilReady(
  name: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; process?: ManagedProcess },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exitCode: number | null | undefined;
  void options.process?.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (exitCode !== undefined) {
      throw new ReadinessError(
        `${name} exited (code ${exitCode}) before it was ready. Last lines of ${options.process?.logFile}:\n${logTail(options.process?.logFile ?? '')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const where = options.process ? ` Last lines of ${options.process.logFile}:\n${logTail(options.process.logFile)}` : '';
  throw new ReadinessError(`${name} was not ready within ${options.timeoutMs} ms.${where}`);
}
