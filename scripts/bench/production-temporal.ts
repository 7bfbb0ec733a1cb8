// `--server production`: the bench against the Temporal server production runs (one node of
// scripts/temporal-server: v1.29.1 on the local PostgreSQL, several history shards), not the dev server.
import { join } from 'node:path';
import type { Config } from '../../src/config/schema';
import type { ManagedProcess } from '../../src/devstack/process';
import { prepareNamespace, PRODUCTION_VERSION, ProductionTemporal, type ProductionTemporalSetup } from '../temporal-server/production-temporal';
import { BENCH_DATA_DIR, PRODUCTION_FRONTEND_PORT } from './environment';
import { say } from './progress';

const SETUP: ProductionTemporalSetup = {
  root: join(BENCH_DATA_DIR, 'temporal-production'),
  logDir: join(BENCH_DATA_DIR, 'logs'),
  databases: { persistence: 'temporal_bench', visibility: 'temporal_bench_visibility' },
  frontendPorts: [PRODUCTION_FRONTEND_PORT],
  historyShards: 4,
  connections: { persistence: 10, visibility: 2 },
  say,
};

/** Builds (once, cached) and starts Temporal server on fresh databases; TEMPORAL_ADDRESS points the bench at it. */
export async function startProductionTemporal(config: Config): Promise<ManagedProcess> {
  const server = await ProductionTemporal.prepare(config, SETUP);
  const node = await server.startNode(0);
  try {
    await prepareNamespace(config.temporal);
  } catch (error) {
    await node.stop(config.timeouts.shutdownMs);
    throw error;
  }
  return node;
}

/** The PostgreSQL databases whose backends count as the Temporal server's (CPU accounting). */
export const productionTemporalDatabases: string[] = Object.values(SETUP.databases);

export const productionServerDescription = `server ${PRODUCTION_VERSION} (one process, all four services), persistence and visibility on the local PostgreSQL (postgres12 plugin), ${SETUP.historyShards} history shards`;
