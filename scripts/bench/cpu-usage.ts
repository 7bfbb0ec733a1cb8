import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { RunResult } from './run-result';

/** CPU seconds used so far by this process and by the servers the bench stack started (Linux /proc; others show "?"). */
type CpuSnapshot = Map<string, number | undefined>;

function childCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return undefined;
  }
}

function cpuSnapshot(processes: ReadonlyArray<{ name: string; pid: number }>): CpuSnapshot {
  const { user, system } = process.cpuUsage();
  const snapshot: CpuSnapshot = new Map([['bench process (worker, emitter, receiver, poller)', (user + system) / 1e6]]);
  for (const child of processes) snapshot.set(child.name, childCpuSeconds(child.pid));
  return snapshot;
}

function cpuNote(before: CpuSnapshot, after: CpuSnapshot, wallMs: number): string {
  const parts = [...after.entries()].map(([name, seconds]) => {
    const start = before.get(name);
    return `${name} ${seconds === undefined || start === undefined ? '?' : (seconds - start).toFixed(1)} s`;
  });
  const available = (os.cpus().length * wallMs) / 1000;
  return `CPU over ${(wallMs / 1000).toFixed(1)} s wall (${available.toFixed(0)} core-s available): ${parts.join(', ')}; PostgreSQL is shared with other users, not counted`;
}

/** Runs `run` and adds to its notes the CPU time each process spent meanwhile. */
export async function withCpuNote(processes: ReadonlyArray<{ name: string; pid: number }>, run: () => Promise<RunResult>): Promise<RunResult> {
  const before = cpuSnapshot(processes);
  const started = Date.now();
  const result = await run();
  result.notes.push(cpuNote(before, cpuSnapshot(processes), Date.now() - started));
  return result;
}
