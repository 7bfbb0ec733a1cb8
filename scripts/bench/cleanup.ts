// Whatever the bench opened is closed again, however the run ends.
import { say } from './progress';

/** Closers run once, last opened first, whether the run ends, fails or is interrupted. */
export class Cleanup {
  private readonly closers: Array<{ name: string; close: () => Promise<void> }> = [];
  private running?: Promise<void>;

  add(name: string, close: () => Promise<void>): void {
    this.closers.push({ name, close });
  }

  run(): Promise<void> {
    this.running ??= this.closeAll();
    return this.running;
  }

  private async closeAll(): Promise<void> {
    for (const { name, close } of [...this.closers].reverse()) {
      try {
        await close();
      } catch (error) {
        say(`cleanup: ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/** Ctrl-C or SIGTERM: tell the runs to stop (`stopping`), clean up, exit. A second signal exits at once. */
export function exitOnSignals(cleanup: Cleanup, stopping: AbortController): void {
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping.signal.aborted) process.exit(130);
    stopping.abort();
    say(`\n${signal}: stopping the bench stack…`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

/** Last resort if the process dies before cleanup finished: no server the bench started outlives it. */
export function killOnExit(processes: ReadonlyArray<{ pid: number }>): void {
  process.on('exit', () => {
    for (const { pid } of processes) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
}
