import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/config/schema';

export const labwireBin = join(projectRoot, 'bin', 'labwire');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}): CliRun {
  const result = spawnSync(labwireBin, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A long-running CLI process whose output can be awaited line by line. */
export class CliProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string | undefined> = {}) {
    // Its own process group, like a terminal job: a signal reaches tsx and the node process it runs.
    this.child = spawn(labwireBin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async waitFor(text: string | RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const matches = () => (typeof text === 'string' ? this.output.includes(text) : text.test(this.output));
    while (!matches()) {
      if (this.child.exitCode !== null) throw new Error(`process exited (${this.child.exitCode}) before printing ${String(text)}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no ${String(text)} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Signals the whole process group, as Ctrl-C (SIGINT) or `kill -9 -<pgid>` would. */
  kill(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Pids of every live process whose command line mentions `needle` (other than the pgrep itself). */
export function processesMentioning(needle: string): number[] {
  const result = spawnSync('pgrep', ['-f', needle], { encoding: 'utf8' });
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== process.pid);
}
