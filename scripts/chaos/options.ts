// The chaos run's command line: how many events, how many faults, which seed.
import { parseArgs } from 'node:util';

export interface ChaosOptions {
  events: number;
  /** SIGKILLs of a worker process group. */
  workerKills: number;
  /** Temporal dev server stops, alternating SIGTERM and SIGKILL, each for outageMs. */
  temporalStops: number;
  temporalOutageMs: [number, number];
  ferretKills: number;
  postgresRestarts: number;
  /** Each API process is restarted this many times (with a live SSE client on it). */
  apiRestarts: number;
  /** How long emits and faults are spread over. */
  faultWindowMs: number;
  /** How long the run waits, after the last fault, for every log to end. */
  quiesceTimeoutMs: number;
  seed: number;
  /** Moves ports and databases aside like LABWIRE_TEST_SLOT (the test suite passes its own). */
  slot: number;
  /** Also writes the result as JSON here (the reduced run's test reads it). */
  jsonFile?: string;
  profile: 'full' | 'reduced';
  /**
   * `dev`: the Temporal CLI's dev server, stopped and started again. `cluster`: two nodes of
   * Temporal server v1.29.1 sharing the local PostgreSQL, behind a load balancer; a node is
   * killed and started again instead.
   */
  server: 'dev' | 'cluster';
}

const FULL: Omit<ChaosOptions, 'seed' | 'slot' | 'jsonFile' | 'server'> = {
  profile: 'full',
  events: 1000,
  workerKills: 100,
  temporalStops: 2,
  temporalOutageMs: [10_000, 60_000],
  ferretKills: 2,
  postgresRestarts: 1,
  apiRestarts: 1,
  faultWindowMs: 12 * 60_000,
  quiesceTimeoutMs: 5 * 60_000,
};

/** About three minutes: what `npm test` runs (test/chaos.int.test.ts). */
const REDUCED: typeof FULL = {
  profile: 'reduced',
  events: 100,
  workerKills: 10,
  temporalStops: 1,
  temporalOutageMs: [10_000, 15_000],
  ferretKills: 1,
  postgresRestarts: 1,
  apiRestarts: 1,
  faultWindowMs: 100_000,
  quiesceTimeoutMs: 90_000,
};

function whole(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} expects a whole number ≥ ${min}, got ${JSON.stringify(text)}`);
  return value;
}

export const CHAOS_USAGE = `Usage: npm run chaos -- [--reduced] [--seed N] [--events N] [--kills N] [--minutes N] [--slot 0-9] [--json FILE] [--server dev|cluster]`;

export function parseOptions(argv: string[]): ChaosOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      reduced: { type: 'boolean' },
      seed: { type: 'string' },
      events: { type: 'string' },
      kills: { type: 'string' },
      minutes: { type: 'string' },
      slot: { type: 'string' },
      json: { type: 'string' },
      server: { type: 'string' },
    },
    strict: true,
  });
  const base = values.reduced ? REDUCED : FULL;
  const slot = whole('slot', values.slot, 0) ?? 0;
  if (slot > 9) throw new Error('--slot expects a whole number from 0 to 9');
  const minutes = whole('minutes', values.minutes, 1);
  const server = values.server ?? 'dev';
  if (server !== 'dev' && server !== 'cluster') throw new Error(`--server expects dev or cluster, got ${JSON.stringify(server)}`);
  return {
    ...base,
    events: whole('events', values.events, 1) ?? base.events,
    workerKills: whole('kills', values.kills, 0) ?? base.workerKills,
    faultWindowMs: minutes === undefined ? base.faultWindowMs : minutes * 60_000,
    seed: whole('seed', values.seed, 0) ?? 20261130,
    slot,
    jsonFile: values.json,
    server,
  };
}
