// The log-query bench's own stores, so seeding a million logs never touches the dev, test or
// delivery-bench data:
// - the log store: FerretDB on port 47600 over the PostgreSQL database labwire_bench_logs;
// - the read model (`log_index`): its own config database, labwire_bench_index, created when
//   missing and migrated like the app's (migrateConfigStore).
import { resolve } from 'node:path';
import type { Collection } from 'mongodb';
import { loadConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';
import { migrateConfigStore, openConfigStore, type ConfigStore } from '../../src/db/config-store';
import { ensureLogStore } from '../../src/devstack/ferretdb';
import { ensureDatabase } from '../../src/devstack/postgres';
import { DeliveryLogs } from '../../src/logstore/delivery-logs';
import { LOGS_COLLECTION, type LogDocument } from '../../src/logstore/log-document';
import { LogIndex } from '../../src/logstore/log-index';
import { openLogStore, type LogStore } from '../../src/logstore/log-store';

const repoRoot = resolve(__dirname, '..', '..');
export const BENCH_LOGS_DATABASE = 'labwire_bench_logs';
export const BENCH_INDEX_DATABASE = 'labwire_bench_index';
export const BENCH_LOGS_PORT = 47600;
const BENCH_POSTGRES = 'postgres://postgres@127.0.0.1:5432';
export const BENCH_LOGS_POSTGRES_URL = `${BENCH_POSTGRES}/${BENCH_LOGS_DATABASE}`;
/** The databases the bench must never use. */
const FORBIDDEN = new Set(['labwire', 'labwire_test', 'postgres']);

export const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** The bench's config database (read model) for a data set: labwire_bench_index[_SET]. */
export function benchIndexUrl(set: string | undefined): string {
  checkSet(set);
  const name = set ? `${BENCH_INDEX_DATABASE}_${set}` : BENCH_INDEX_DATABASE;
  if (FORBIDDEN.has(name)) throw new Error(`refusing to use the database ${name}`);
  return `${BENCH_POSTGRES}/${name}`;
}

function checkSet(set: string | undefined): void {
  if (set !== undefined && !/^[a-z0-9]{1,20}$/.test(set)) throw new Error('--set: expected up to 20 lower-case letters or digits');
}

export interface BenchIndex {
  url: string;
  configStore: ConfigStore;
  index: LogIndex;
  close(): Promise<void>;
}

/** Creates (if missing) and migrates the bench's own config database, and opens it. */
export async function openBenchIndex(set?: string): Promise<BenchIndex> {
  const url = benchIndexUrl(set);
  if (await ensureDatabase(url)) say(`Created the database ${new URL(url).pathname.slice(1)}`);
  await migrateConfigStore(url);
  const configStore = openConfigStore(url, { max: 4 });
  return { url, configStore, index: new LogIndex(configStore.db), close: () => configStore.close() };
}

export interface BenchLogStore {
  config: Config;
  store: LogStore;
  index: BenchIndex;
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
    DATABASE_URL: benchIndexUrl(set),
    LOG_LEVEL: 'warn',
  });
}

/**
 * Both bench stores. Reuses a FerretDB already answering on the bench port (e.g. one left by
 * `--keep-server`), or starts one.
 */
export async function openBenchLogStore(set?: string): Promise<BenchLogStore> {
  checkSet(set);
  const config = benchConfig(set);
  const index = await openBenchIndex(set);
  const endpoint = await ensureLogStore(config, say);
  const store = await openLogStore(endpoint.url, config.logStore.database);
  const logs = new DeliveryLogs(store.db, index.index);
  let closed = false;
  const close = async (options: { keepServer?: boolean } = {}) => {
    if (closed) return;
    closed = true;
    await store.close();
    await index.close();
    if (!options.keepServer) await endpoint.process?.stop(config.timeouts.shutdownMs);
  };
  process.once('exit', () => {
    if (!closed && endpoint.process) process.kill(endpoint.process.pid, 'SIGTERM');
  });
  return { config, store, index, logs, collection: store.db.collection<LogDocument>(LOGS_COLLECTION), startedFerret: endpoint.process !== undefined, close };
}
