// Brings up everything a run needs on the bench stack; each part registers its own cleanup.
import type { Db } from 'mongodb';
import type { EmitterDeps } from '../../src/client/emitter';
import type { Config } from '../../src/config/schema';
import { migrateConfigStore } from '../../src/db/config-store';
import { seedDemoConfiguration } from '../../src/db/demo-seed';
import { TEMPORAL_CLI } from '../../src/devstack/binaries';
import { removeDevServerDatabase } from '../../src/devstack/temporal-server';
import { portIsOpen, type ManagedProcess } from '../../src/devstack/process';
import { startStack } from '../../src/devstack/stack';
import { addUpdateIntegration } from '../../src/integrations/add-update-integration';
import { integrationInputSchema } from '../../src/integrations/integration-input';
import { LOGS_COLLECTION } from '../../src/logstore/log-document';
import { openServices, type Services } from '../../src/services';
import { startWorkers } from '../../src/worker/run-workers';
import { createLabFixture, type LabFixture } from '../../test/support/lab-fixtures';
import { BASELINE_COLLECTION } from './ceiling-run';
import { killOnExit, type Cleanup } from './cleanup';
import { benchProcess, postgresBackends, serverProcess, type CpuSource } from './cpu-usage';
import { BENCH_DATA_DIR, BENCH_DATABASE } from './environment';
import type { LabwireContext } from './labwire-run';
import type { BenchOptions } from './options';
import { productionServerDescription, productionTemporalDatabases, startProductionTemporal } from './production-temporal';
import { say } from './progress';
import { startReceiver, type Receiver } from './receiver';

/**
 * The dev server's SQLite file keeps every workflow of earlier bench runs and slows later ones,
 * so a bench that starts its own server starts it on a fresh file (bench data directory only).
 */
async function freshTemporalDatabase(config: Config): Promise<void> {
  if (config.dataDir !== BENCH_DATA_DIR) throw new Error(`refusing to delete Temporal data outside ${BENCH_DATA_DIR}`);
  if (config.temporal.externalAddress !== undefined || (await portIsOpen(config.temporal.port))) {
    say(`Temporal: a server already answers on ${config.temporal.address}; its history from earlier runs is kept`);
    return;
  }
  removeDevServerDatabase(config.dataDir);
}

/** The bench's own log-store collections start empty, so runs are comparable (bench database only). */
async function resetBenchCollections(config: Config, db: Db): Promise<void> {
  if (config.logStore.database !== BENCH_DATABASE) throw new Error(`refusing to clear collections of database ${config.logStore.database}`);
  for (const name of [LOGS_COLLECTION, BASELINE_COLLECTION]) {
    if ((await db.listCollections({ name }).toArray()).length > 0) await db.collection(name).drop();
  }
}

async function createWebhookIntegration(services: Services, receiverUrl: string): Promise<{ lab: LabFixture; labIntegrationId: number }> {
  const db = services.configStore.db;
  await seedDemoConfiguration(db);
  const lab = await createLabFixture(db);
  const saved = await addUpdateIntegration(
    db,
    integrationInputSchema.parse({
      labId: lab.labId,
      developerId: lab.developerId,
      integrationType: 'webhook',
      url: receiverUrl,
      requestType: 1,
      integrations: [{ actionCategoryId: 1 }],
    }),
  );
  return { lab, labIntegrationId: saved.integrations[0]!.id };
}

export interface Bench {
  ctx: LabwireContext;
  receiver: Receiver;
  /** This process, the servers this bench started (none when it reused running ones) and the PostgreSQL backends of its databases. */
  cpuSources: CpuSource[];
  /** Which Temporal server runs, for the report. */
  server: string;
}

const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

/** The CPU table's columns: short names, explained under the table. */
function cpuSources(config: Config, services: Services, servers: ReadonlyArray<{ name: string; pid: number }>, production: boolean): CpuSource[] {
  const serverName = (name: string) => ({ temporal: 'Temporal dev server', ferretdb: 'FerretDB' })[name] ?? name;
  const sql = services.configStore.sql;
  return [
    benchProcess,
    ...servers.map(({ name, pid }) => serverProcess(serverName(name), pid)),
    postgresBackends('PostgreSQL: config store', sql, [databaseOf(config.postgres.url)]),
    postgresBackends("PostgreSQL: FerretDB's", sql, [databaseOf(config.logStore.ferret.postgresUrl)]),
    ...(production ? [postgresBackends("PostgreSQL: Temporal's", sql, productionTemporalDatabases)] : []),
  ];
}

/** Starts the bench stack, the receiver, the integration and the workers; each registers its own cleanup. */
export async function setUp(config: Config, options: BenchOptions, cleanup: Cleanup, stop: AbortSignal): Promise<Bench> {
  say(`Bench stack: data ${config.dataDir}, Temporal ${config.temporal.address}, log store ${config.logStore.url}${config.logStore.database}`);
  const servers: ManagedProcess[] = [];
  if (options.server === 'production') {
    const temporal = await startProductionTemporal(config);
    cleanup.add('Temporal server', () => temporal.stop(config.timeouts.shutdownMs));
    killOnExit([temporal]);
    servers.push(temporal);
  } else {
    await freshTemporalDatabase(config);
  }
  const stack = await startStack(config, say);
  cleanup.add('stack', () => stack.stop());
  killOnExit(stack.processes);
  servers.push(...stack.processes);
  await migrateConfigStore(config.postgres.url);
  const services = await openServices(config);
  cleanup.add('services', () => services.close());
  await resetBenchCollections(config, services.logStore.db);
  const receiver = await startReceiver();
  cleanup.add('receiver', () => receiver.close());
  const { lab, labIntegrationId } = await createWebhookIntegration(services, receiver.url);
  say('Starting workers (bundling workflows takes a few seconds)…');
  const workers = await startWorkers(config, services);
  cleanup.add('workers', () => workers.stop());
  const emitter: EmitterDeps = { temporal: services.temporal, sql: services.configStore.sql, taskQueue: config.temporal.taskQueue, startTimeoutMs: 5000 };
  return { ctx: { stop, config, services, lab, labIntegrationId, receiver, emitter, options }, receiver, cpuSources: cpuSources(config, services, servers, options.server === 'production'),
    server: options.server === 'production' ? productionServerDescription : `dev server (Temporal CLI ${TEMPORAL_CLI.version} start-dev, SQLite file with WAL and synchronous=OFF)`,
  };
}
