// `--server production`: the bench against the Temporal server production runs (v1.29.1, SQL persistence on the local PostgreSQL, several history shards), not the dev server.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { msToTs } from '@temporalio/common/lib/time';
import type { Config } from '../../src/config/schema';
import { resolveBinary, type ServerBinary } from '../../src/devstack/binaries';
import { startProcess, waitUntilReady, type ManagedProcess } from '../../src/devstack/process';
import { connectTemporal } from '../../src/temporal/connection';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes';
import { BENCH_DATA_DIR, PRODUCTION_FRONTEND_PORT } from './environment';
import { say } from './progress';

export const PRODUCTION_VERSION = 'v1.29.1';
export const PRODUCTION_HISTORY_SHARDS = 4;
/** Created afresh at every start, as the dev server's SQLite file is, so runs are comparable. */
const DATABASES = { persistence: 'temporal_bench', visibility: 'temporal_bench_visibility' } as const;
/**
 * Per service (the one process runs four, each with its own pools, opened as needed): the shared
 * PostgreSQL allows 100 clients, and FerretDB and the test stacks of other users need theirs.
 */
const PERSISTENCE_CONNECTIONS = 10;
const VISIBILITY_CONNECTIONS = 2;
/** The server's namespace registry reloads this often (system.namespaceCacheRefreshInterval, default kept). */
const NAMESPACE_REFRESH_MS = 10_000;

const TEMPORAL_SERVER: ServerBinary = {
  name: 'temporal-server',
  installedName: 'server',
  module: 'go.temporal.io/server',
  version: PRODUCTION_VERSION,
  command: 'cmd/server',
  pathVariable: 'TEMPORAL_SERVER_PATH',
  needsVersionFile: false,
};

const TEMPORAL_SQL_TOOL: ServerBinary = { ...TEMPORAL_SERVER, name: 'temporal-sql-tool', installedName: 'sql', command: 'cmd/tools/sql', pathVariable: 'TEMPORAL_SQL_TOOL_PATH' };

/** The PostgreSQL the bench already uses (DATABASE_URL): one place says where it is. */
function postgresEndpoint(config: Config) {
  const url = new URL(config.postgres.url);
  return { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username || 'postgres'), password: decodeURIComponent(url.password) };
}

/** Drops and recreates one database and sets up the schema embedded in the tool. */
async function freshSchema(sqlTool: string, config: Config, database: string, schemaName: string): Promise<void> {
  const pg = postgresEndpoint(config);
  const base = ['--plugin', 'postgres12', '--ep', pg.host, '--port', String(pg.port), '--user', pg.user, '--password', pg.password, '--db', database];
  const run = (...args: string[]) => promisify(execFile)(sqlTool, [...base, ...args], { timeout: 120_000 });
  await run('drop-database', '--force');
  await run('create-database');
  await run('setup-schema', '-v', '0.0');
  await run('update-schema', '--schema-name', schemaName);
}

function datastore(config: Config, database: string, maxConns: number): string {
  const pg = postgresEndpoint(config);
  return `      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: "${pg.host}:${pg.port}"
        connectProtocol: tcp
        user: "${pg.user}"
        password: "${pg.password}"
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
}

/** The minimal single-process cluster: all four services, persistence and visibility on PostgreSQL, no archival, no metrics. */
function serverConfig(config: Config, dynamicConfigFile: string): string {
  const port = (offset: number) => PRODUCTION_FRONTEND_PORT + offset;
  const service = (name: string, grpc: number, membership: number, extra = '') =>
    `  ${name}:\n    rpc:\n      grpcPort: ${grpc}\n      membershipPort: ${membership}\n      bindOnLocalHost: true\n${extra}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${PRODUCTION_HISTORY_SHARDS}
  datastores:
    default:
${datastore(config, DATABASES.persistence, PERSISTENCE_CONNECTIONS)}
    visibility:
${datastore(config, DATABASES.visibility, VISIBILITY_CONNECTIONS)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
${service('frontend', port(0), port(1), `      httpPort: ${port(2)}\n`)}${service('history', port(3), port(4))}${service('matching', port(5), port(6))}${service('worker', port(7), port(8))}clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:${port(0)}"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: "${dynamicConfigFile}"
  pollInterval: 60s
`;
}

/** The same switches the dev server gets from src/devstack/temporal-server.ts. */
const DYNAMIC_CONFIG = `frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableUpdateWorkflowExecutionAsyncAccepted:
  - value: true
frontend.enableExecuteMultiOperation:
  - value: true
system.enableActivityEagerExecution:
  - value: true
`;

/**
 * Registers the namespace and Labwire's search attributes, then waits until the frontend serves
 * the namespace and one more registry refresh, so history and matching know the search
 * attributes before the first child workflow is started with them.
 */
async function prepareNamespace(config: Config): Promise<void> {
  const connection = await connectTemporal(config.temporal);
  try {
    const namespace = config.temporal.namespace;
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    await waitUntilReady(`namespace ${namespace}`, async () => (await connection.workflowService.countWorkflowExecutions({ namespace }), true), {
      timeoutMs: 60_000,
    });
    await ensureSearchAttributes(connection, namespace);
    await sleep(NAMESPACE_REFRESH_MS + 1_000);
  } finally {
    await connection.close();
  }
}

/** Builds (once, cached) and starts Temporal server on fresh databases; TEMPORAL_ADDRESS points the bench at it. */
export async function startProductionTemporal(config: Config): Promise<ManagedProcess> {
  const binaries = { cacheDir: config.cacheDir, say };
  const server = await resolveBinary(TEMPORAL_SERVER, { ...binaries, explicitPath: process.env[TEMPORAL_SERVER.pathVariable] });
  const sqlTool = await resolveBinary(TEMPORAL_SQL_TOOL, { ...binaries, explicitPath: process.env[TEMPORAL_SQL_TOOL.pathVariable] });
  say(`Temporal server ${PRODUCTION_VERSION}: fresh schema in PostgreSQL databases ${DATABASES.persistence} and ${DATABASES.visibility}`);
  await freshSchema(sqlTool, config, DATABASES.persistence, 'postgresql/v12/temporal');
  await freshSchema(sqlTool, config, DATABASES.visibility, 'postgresql/v12/visibility');
  const root = join(BENCH_DATA_DIR, 'temporal-production');
  mkdirSync(join(root, 'config'), { recursive: true });
  const dynamicConfigFile = join(root, 'dynamicconfig.yaml');
  writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);
  writeFileSync(join(root, 'config', 'development.yaml'), serverConfig(config, dynamicConfigFile));
  say(`Temporal server ${PRODUCTION_VERSION}: starting on 127.0.0.1:${PRODUCTION_FRONTEND_PORT}, ${PRODUCTION_HISTORY_SHARDS} history shards`);
  const args = ['--root', root, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'];
  const child = startProcess(`Temporal server ${PRODUCTION_VERSION}`, server, args, join(BENCH_DATA_DIR, 'logs', 'temporal-production.log'), root);
  try {
    const answers = async () => {
      const connection = await connectTemporal(config.temporal, 1_000);
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    };
    await waitUntilReady(`Temporal server ${PRODUCTION_VERSION}`, answers, { timeoutMs: 120_000, process: child });
    await prepareNamespace(config);
  } catch (error) {
    await child.stop(config.timeouts.shutdownMs);
    throw error;
  }
  return child;
}

/** The PostgreSQL databases whose backends count as the Temporal server's (CPU accounting). */
export const productionTemporalDatabases: string[] = Object.values(DATABASES);

export const productionServerDescription = `server ${PRODUCTION_VERSION} (one process, all four services), persistence and visibility on the local PostgreSQL (postgres12 plugin), ${PRODUCTION_HISTORY_SHARDS} history shards`;
