// Isolation: the bench runs on a stack of its own, so the dev and test data are never touched.
import { resolve } from 'node:path';
import type { TemporalServerKind } from './options';

const repoRoot = resolve(__dirname, '..', '..');
export const BENCH_DATA_DIR = resolve(repoRoot, '.labwire', 'bench');
export const BENCH_DATABASE = 'labwire_bench';
/** `--server production`: the frontend's gRPC port; the server's other services use the eight ports after it. */
export const PRODUCTION_FRONTEND_PORT = 27433;

/** Everything that points Labwire at the bench stack; variables that could redirect it elsewhere are removed. */
export function applyBenchEnvironment(server: TemporalServerKind): void {
  const env: Record<string, string> = {
    LABWIRE_DATA_DIR: BENCH_DATA_DIR,
    TEMPORAL_PORT: '27333',
    TEMPORAL_UI_PORT: '28333',
    FERRETDB_PORT: '47117',
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${BENCH_DATABASE}`,
    MONGODB_DATABASE: BENCH_DATABASE,
    TARGET_ALLOWLIST: '127.0.0.0/8,::1/128',
    LOG_LEVEL: 'warn',
    TASK_QUEUE: 'labwire-bench',
    CRELIO_TASK_QUEUE: 'labwire-bench-crelio',
  };
  // The lab fixture lives in PostgreSQL, so the context provider must be the default one.
  const redirecting = ['TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL', 'MONGODB_URL', 'FERRETDB_POSTGRES_URL', 'WORKER_QUEUES', 'CONTEXT_PROVIDER', 'LAB_BACKEND_URL', 'LAB_BACKEND_API_KEY'];
  for (const name of redirecting) delete process.env[name];
  Object.assign(process.env, env);
  // The production server is started by the bench (production-temporal.ts); Labwire reaches it as it would a remote cluster.
  if (server === 'production') process.env.TEMPORAL_ADDRESS = `127.0.0.1:${PRODUCTION_FRONTEND_PORT}`;
}
