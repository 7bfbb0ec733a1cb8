// The processes a chaos run kills and restarts: Labwire replicas (`labwire worker`, `labwire api`)
// and the servers (Temporal dev server, FerretDB, PostgreSQL).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import type { Config } from '../../src/config/schema';
import { ensureLogStore } from '../../src/devstack/ferretdb';
import type { ManagedProcess } from '../../src/devstack/process';
import { silent } from '../../src/devstack/say';
import { ensureTemporal } from '../../src/devstack/temporal-server';
import { CliProcess } from '../../test/support/cli';

/** Sends `signal`; a process not gone 30 s later gets SIGKILL. Resolves once it has exited. */
async function killAndWait(send: (signal: NodeJS.Signals) => void, exited: Promise<unknown>, signal: NodeJS.Signals): Promise<void> {
  send(signal);
  const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000))]);
  if (!gone) send('SIGKILL');
  await exited;
}

/**
 * One replica: a `labwire` command in its own process group, under a supervisor as systemd or
 * Kubernetes would run it: a process that exits by itself is started again (and counted), and
 * one that cannot start (a server it needs is down) is tried again every two seconds.
 */
export class Replica {
  private process?: CliProcess;
  private readyAt = 0;
  private wanted = false;
  private starting?: Promise<void>;
  starts = 0;
  /** Exits the run did not cause, with the end of what the process printed. */
  readonly ownExits: string[] = [];

  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly env: Record<string, string | undefined>,
    private readonly readyText: string,
  ) {}

  /** Starts it and keeps it running until `stop`; resolves once it is ready. */
  start(): Promise<void> {
    this.wanted = true;
    this.starting ??= this.bringUp().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async bringUp(): Promise<void> {
    while (this.wanted) {
      const started = new CliProcess(this.args, this.env);
      this.process = started;
      this.starts++;
      try {
        await started.waitFor(this.readyText, 120_000);
        this.readyAt = Date.now();
        void started.exited.then((code) => this.exitedByItself(started, code));
        return;
      } catch {
        started.kill('SIGKILL');
        await started.exited;
        if (this.process === started) this.process = undefined;
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    }
  }

  private exitedByItself(exited: CliProcess, code: number | null): void {
    if (this.process !== exited || !this.wanted) return;
    this.ownExits.push(`exit ${code}: ${exited.output.trim().split('\n').slice(-3).join(' | ')}`);
    this.process = undefined;
    this.readyAt = 0;
    setTimeout(() => void this.start(), 1_000);
  }

  /** Up and ready for at least `ms`. */
  upFor(ms: number): boolean {
    return this.process !== undefined && this.readyAt > 0 && Date.now() - this.readyAt >= ms;
  }

  /** `kill -<signal> -<pgid>`, waits for it to be gone, and (unless stopping) starts it again after `restartAfterMs`. */
  async kill(signal: NodeJS.Signals, restartAfterMs?: number): Promise<void> {
    const dying = this.process;
    this.process = undefined;
    this.readyAt = 0;
    if (dying) await killAndWait((s) => dying.kill(s), dying.exited, signal);
    if (restartAfterMs !== undefined && this.wanted) {
      await new Promise((resolve) => setTimeout(resolve, restartAfterMs));
      void this.start();
    }
  }

  async stop(): Promise<void> {
    this.wanted = false;
    await this.starting?.catch(() => undefined);
    await this.kill('SIGINT');
  }
}

/** A server of the chaos stack that the run stops and starts again (same data, same port). */
export class RestartableServer {
  private process?: ManagedProcess;

  constructor(
    readonly name: string,
    private readonly ensure: () => Promise<ManagedProcess | undefined>,
  ) {}

  static temporal(config: Config): RestartableServer {
    return new RestartableServer('Temporal dev server', async () => (await ensureTemporal(config, silent)).process);
  }

  static ferretdb(config: Config): RestartableServer {
    return new RestartableServer('FerretDB', async () => (await ensureLogStore(config, silent)).process);
  }

  async start(): Promise<void> {
    this.process = await this.ensure();
    if (!this.process) throw new Error(`${this.name}: something else already listens on its port; stop it (the chaos run must own its servers)`);
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const dying = this.process;
    if (!dying) return;
    this.process = undefined;
    const send = (s: NodeJS.Signals) => {
      try {
        process.kill(dying.pid, s);
      } catch {
        // already gone
      }
    };
    await killAndWait(send, dying.exited, signal);
  }

  async stop(): Promise<void> {
    await this.process?.stop(10_000);
    this.process = undefined;
  }
}

/** `pg_ctlcluster <version> main restart` of the machine's PostgreSQL (the run's other databases share it). */
export function restartPostgres(): void {
  const versions = readdirSync('/etc/postgresql');
  if (versions.length !== 1) throw new Error(`expected one PostgreSQL cluster under /etc/postgresql, found ${versions.join(', ') || 'none'}`);
  const result = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', '--mode=fast', versions[0]!, 'main', 'restart'], { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`pg_ctlcluster restart failed (${result.status}): ${result.stderr || result.stdout}`);
}
