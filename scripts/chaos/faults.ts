// The seeded fault schedule, and the loop that injects it while events are emitted.
import { between, pick, type Random } from './random';
import type { ChaosOptions } from './options';

export type ServerFault =
  | { kind: 'temporal'; signal: 'SIGTERM' | 'SIGKILL'; downMs: number; node: number }
  | { kind: 'ferretdb'; downMs: number }
  | { kind: 'postgres' }
  | { kind: 'api'; replica: 0 | 1 }
  | { kind: 'manual-retry' }
  | { kind: 'bulk-retry' };

export interface Scheduled<T> {
  atMs: number;
  fault: T;
}

export interface FaultPlan {
  workerKills: Array<Scheduled<{ restartAfterMs: number; preferred: 0 | 1 }>>;
  /** One at a time, in order: an outage of one server ends before the next fault of this list. */
  servers: Array<Scheduled<ServerFault>>;
}

/**
 * Worker kills spread over the window with jitter; the server faults in a shuffled order at
 * evenly spaced slots of the window's middle 80 %, so outages do not overlap each other (worker
 * kills go on through them).
 */
export function planFaults(random: Random, options: ChaosOptions): FaultPlan {
  const window = options.faultWindowMs;
  const workerKills = Array.from({ length: options.workerKills }, (_, i) => ({
    atMs: Math.round(((i + 0.5 + (random() - 0.5) * 0.8) / options.workerKills) * window * 0.95),
    fault: { restartAfterMs: Math.round(random() * 2_000), preferred: pick(random, [0, 1] as const) },
  }));
  const servers: ServerFault[] = [
    // A cluster's first fault is a node killed outright; the dev server is first stopped gracefully.
    ...Array.from({ length: options.temporalStops }, (_, i): ServerFault => ({
      kind: 'temporal',
      signal: (i % 2 === 0) === (options.server === 'dev') ? 'SIGTERM' : 'SIGKILL',
      downMs: Math.round(between(random, options.temporalOutageMs)),
      node: i % 2,
    })),
    ...Array.from({ length: options.ferretKills }, (): ServerFault => ({ kind: 'ferretdb', downMs: Math.round(between(random, [1_000, 5_000])) })),
    ...Array.from({ length: options.postgresRestarts }, (): ServerFault => ({ kind: 'postgres' })),
    ...Array.from({ length: options.apiRestarts }, (): ServerFault[] => [{ kind: 'api', replica: 0 }, { kind: 'api', replica: 1 }]).flat(),
  ];
  for (let i = servers.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [servers[i], servers[j]] = [servers[j]!, servers[i]!];
  }
  // The retries come mid-run, after failures have had time to happen, between the other faults.
  servers.splice(Math.floor(servers.length / 2), 0, { kind: 'manual-retry' }, { kind: 'bulk-retry' });
  const slot = (window * 0.8) / servers.length;
  return {
    workerKills: workerKills.sort((a, b) => a.atMs - b.atMs),
    servers: servers.map((fault, i) => ({ atMs: Math.round(window * 0.1 + i * slot), fault })),
  };
}

export function describeFault(fault: ServerFault, server: 'dev' | 'cluster'): string {
  switch (fault.kind) {
    case 'temporal':
      return server === 'dev'
        ? `Temporal dev server ${fault.signal}, down ${(fault.downMs / 1000).toFixed(0)} s`
        : `Temporal cluster node ${fault.node + 1} of 2 ${fault.signal}, down ${(fault.downMs / 1000).toFixed(0)} s`;
    case 'ferretdb':
      return `FerretDB SIGKILL, down ${(fault.downMs / 1000).toFixed(1)} s`;
    case 'postgres':
      return 'PostgreSQL restart (pg_ctlcluster restart)';
    case 'api':
      return `API replica ${fault.replica + 1} restart (SIGTERM, live SSE client)`;
    case 'manual-retry':
      return 'manual retry of a failed log';
    case 'bulk-retry':
      return 'bulk retry of the failed logs';
  }
}
