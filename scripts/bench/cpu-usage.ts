// CPU time each process of the bench spends during a run (Linux /proc; elsewhere the figures are "?").
import { readFileSync } from 'node:fs';
import type { Sql } from 'postgres';
import type { RunResult } from './run-result';

/** Cumulative CPU seconds per OS process of one source, keyed by pid; undefined when unreadable. */
type Reading = Map<number, number> | undefined;

/** One column of the CPU table: a process (or a group of PostgreSQL backends) the bench can read. */
export interface CpuSource {
  name: string;
  read(): Promise<Reading>;
}

export interface CpuUsage {
  wallMs: number;
  /** CPU seconds per source over the run; undefined where it could not be read. */
  seconds: Map<string, number | undefined>;
}

function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return undefined;
  }
}

function readPids(pids: number[]): Reading {
  const reading = new Map<number, number>();
  for (const pid of pids) {
    const seconds = processCpuSeconds(pid);
    if (seconds !== undefined) reading.set(pid, seconds);
  }
  return reading.size > 0 ? reading : undefined;
}

/** This process: the workers, the emitter or floor client, the receiver and the completion watcher all run in it. */
export const benchProcess: CpuSource = {
  name: 'bench process (worker, client, receiver)',
  read: async () => {
    const { user, system } = process.cpuUsage();
    return new Map([[process.pid, (user + system) / 1e6]]);
  },
};

/** A server the bench started. */
export function serverProcess(name: string, pid: number): CpuSource {
  return { name, read: async () => readPids([pid]) };
}

/**
 * The PostgreSQL backends connected to `databases` (pg_stat_activity; readable as the bench runs on
 * the same machine). A backend that ends during a run takes its CPU with it (pools keep theirs
 * open, so this is rare); PostgreSQL's shared background processes are not counted.
 */
export function postgresBackends(name: string, sql: Sql, databases: string[]): CpuSource {
  return {
    name,
    read: async () => {
      const rows = await sql<Array<{ pid: number }>>`select pid from pg_stat_activity where datname = any(${databases}) and pid <> pg_backend_pid()`;
      return readPids(rows.map((row) => row.pid));
    },
  };
}

async function readAll(sources: CpuSource[]): Promise<Map<string, Reading>> {
  return new Map(await Promise.all(sources.map(async (source) => [source.name, await source.read().catch(() => undefined)] as const)));
}

/** CPU spent between two readings: a process seen only in the later one spent all of its time in the run. */
function spent(before: Reading, after: Reading): number | undefined {
  if (after === undefined) return undefined;
  let seconds = 0;
  for (const [pid, total] of after) seconds += total - (before?.get(pid) ?? 0);
  return seconds;
}

/** Runs `run` and records on its result the CPU each source spent meanwhile. */
export async function withCpu(sources: CpuSource[], run: () => Promise<RunResult>): Promise<RunResult> {
  const before = await readAll(sources);
  const started = Date.now();
  const result = await run();
  const wallMs = Date.now() - started;
  const after = await readAll(sources);
  result.cpu = { wallMs, seconds: new Map(sources.map(({ name }) => [name, spent(before.get(name), after.get(name))])) };
  return result;
}
