// The bench's command line: what it measures and how hard it pushes.
import { parseArgs } from 'node:util';

export interface BenchOptions {
  events: number;
  /** Events offered per second in the rated run; default: half the saturated run's throughput. */
  rate?: number;
  /** Most emits (or ceiling deliveries) in flight at once. */
  concurrency: number;
  /** A delivery slower than this counts as late; a run stops waiting once no log has become final for this long. */
  timeoutMs: number;
  /** `dev`: the Temporal CLI's dev server (SQLite). `production`: Temporal server v1.29.1 on the local PostgreSQL, several history shards. */
  server: TemporalServerKind;
}

export type TemporalServerKind = 'dev' | 'production';

/** Events sent before the reported runs (JIT, workflow cache, connection pools); not an option. */
export const WARMUP_EVENTS = 20;

function serverKind(text: string | undefined): TemporalServerKind {
  if (text === undefined || text === 'dev' || text === 'production') return text ?? 'dev';
  throw new Error(`--server expects dev or production, got ${JSON.stringify(text)}`);
}

function positiveNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} expects a positive number, got ${JSON.stringify(text)}`);
  return value;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string' },
      rate: { type: 'string' },
      concurrency: { type: 'string' },
      timeout: { type: 'string' },
      server: { type: 'string' },
    },
    strict: true,
  });
  return {
    events: Math.round(positiveNumber('events', values.events, 3000)),
    rate: values.rate === undefined ? undefined : positiveNumber('rate', values.rate, 1),
    concurrency: Math.round(positiveNumber('concurrency', values.concurrency, 50)),
    timeoutMs: positiveNumber('timeout', values.timeout, 120) * 1000,
    server: serverKind(values.server),
  };
}

/** The saturated run at a tenth of N: the same throughput at both sizes means no decay as the backlog grows. */
export const smallRunEvents = (events: number) => Math.max(50, Math.round(events / 10));

/** The rated run lasts about a minute at its rate (at most N events): enough samples for a p99. */
export const ratedRunEvents = (events: number, rate: number) => Math.min(events, Math.max(100, Math.round(rate * 60)));
