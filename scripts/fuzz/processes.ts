import { CliProcess } from '../../test/support/cli';

/**
 * The API and the worker as the separate `labwire api` and `labwire worker` processes production
 * runs, so a request that kills one is seen as a death (and the fuzzer carries on after a restart).
 */
export class LabwireProcess {
  private process: CliProcess;
  /** What earlier incarnations printed (a restart starts a new process). */
  private earlierOutput = '';
  restarts = 0;

  constructor(
    readonly name: 'api' | 'worker',
    private readonly env: Record<string, string | undefined>,
    private readonly readyLine: string | RegExp,
  ) {
    this.process = new CliProcess([name], env);
  }

  ready(timeoutMs = 120_000): Promise<void> {
    return this.process.waitFor(this.readyLine, timeoutMs);
  }

  get alive(): boolean {
    return this.process.child.exitCode === null && this.process.child.signalCode === null;
  }

  /** Why it ended and the last of what it printed. */
  get obituary(): string {
    const { exitCode, signalCode } = this.process.child;
    const tail = this.process.output.slice(-4_000);
    // The thrown error's own line (Node prints the source line, then `RangeError: …`, then the stack) and its first frame in our code.
    const thrown = [...tail.matchAll(/^(\w*Error\b[^\n]*)((?:\n\s+at [^\n]*)+)/gm)].pop();
    const frame = thrown?.[2]?.split('\n').find((line) => /\/(src|activities|workflows)\//.test(line) && !line.includes('node_modules'))?.trim();
    return `${this.name} exited (${signalCode ?? `code ${exitCode}`})${thrown ? `: ${thrown[1]}${frame ? ` ${frame}` : ''}` : ''}; its last output:\n${tail.slice(-1_500)}`;
  }

  /** Errors it logged (pino JSON, level ≥ 50) by type and message, with counts: what a 500 was. */
  loggedErrors(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const line of (this.earlierOutput + this.process.output).split('\n')) {
      if (!/"level":(5|6)\d/.test(line)) continue;
      let key = line.slice(0, 160);
      try {
        const entry = JSON.parse(line) as { msg?: string; err?: { type?: string; message?: string } };
        key = `${entry.msg ?? ''}: ${entry.err?.type ?? ''} ${(entry.err?.message ?? '').slice(0, 140)}`;
      } catch {
        // not JSON: keep the line's start
      }
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  /** Waits a moment for a death the socket already showed to be reported by the OS. */
  async settled(waitMs = 1_500): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    while (this.alive && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return this.alive;
  }

  async restart(): Promise<void> {
    await this.stop();
    this.earlierOutput += this.process.output;
    this.restarts += 1;
    this.process = new CliProcess([this.name], this.env);
    await this.ready();
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    this.process.kill('SIGTERM');
    const killed = setTimeout(() => this.process.kill('SIGKILL'), 15_000);
    await this.process.exited;
    clearTimeout(killed);
  }
}
