// The log-query bench's own log store: FerretDB on port 47600 over the PostgreSQL database
// labwire_bench_logs, so seeding a million logs never touches the dev, test or delivery-bench data.
import { resolve } from 'node:path';
import type { Collection } from 'mongodb';
import { loadConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';
import { ensureLogStore } from '../../src/devstack/ferretdb';
import { DeliveryLogs } from '../../src/logstore/delivery-logs';
import type { LogDocument } from '../../src/logstore/log-document';
import { openLogStore, type LogStore } from '../../src/logstore/log-store';

const repoRoot = resolve(__dirname, '..', '..');
export const BENCH_LOGS_DATABASE = 'labwire_bench_logs';
export const BENCH_LOGS_PORT = 47600;
export const BENCH_LOGS_POSTGRES_URL = `postgres://postgres@127.0.0.1:5432/${BENCH_LOGS_DATABASE}`;

export const say = (line: string): void => void process.stderr.write(`${line}\n`);

export interface BenchLogStore {
  config: Config;
  store: LogStore;
  logs: DeliveryLogs;
  collection: Collection<LogDocument>;
  /** True when this process started FerretDB (and stops it on close, unless asked to keep it). */
  startedFerret: boolean;
  close(options?: { keepServer?: boolean }): Promise<void>;
}

/** Variables that could point the bench at another server are ignored; everything is fixed here. */
function benchConfig(set: string | undefined): Config {
  return loadConfig({
    ...process.env,
    LABWIRE_DATA_DIR: resolve(repoRoot, '.labwire', 'bench-logs'),
    FERRETDB_PORT: String(BENCH_LOGS_PORT),
    FERRETDB_HANDLER: 'postgresql',
    FERRETDB_POSTGRES_URL: BENCH_LOGS_POSTGRES_URL,
    MONGODB_URL: undefined,
    // Another data set (e.g. a smaller one) is another MongoDB database in the same FerretDB.
    MONGODB_DATABASE: set ? `${BENCH_LOGS_DATABASE}_${set}` : BENCH_LOGS_DATABASE,
    LOG_LEVEL: 'warn',
  });
}

/** Reuses a FerretDB already answering on the bench port (e.g. one left by `--keep-server`), or starts one. */
export async function openBenchLogStore(set?: string): Promise<BenchLogStore> {
  if (set !== undefined && !/^[a-z0-9]{1,20}$/.test(set)) throw new Error('--set: expected up to 20 lower-case letters or digits');
  const config = benchConfig(set);
  const endpoint = await ensureLogStore(config, say);
  const store = await openLogStore(endpoint.url, config.logStore.database);
  const logs = new DeliveryLogs(store.db);
  let closed = false;
  const close = async (options: { keepServer?: boolean } = {}) => {
    if (closed) return;
    closed = true;
    await store.close();
    if (!options.keepServer) await endpoint.process?.stop(config.timeouts.shutdownMs);
  };
  process.once('exit', () => {
    if (!closed && endpoint.process) process.kill(endpoint.process.pid, 'SIGTERM');
  });
  return { config, store, logs, collection: logs.collection, startedFerret: endpoint.process !== undefined, close };
}
