// Temporal server v1.29.1 (the version the CLI embeds) on the local PostgreSQL, as production runs
// it: SQL persistence and visibility, several history shards, one node or a cluster of nodes
// sharing the persistence. Used by `bench:delivery --server production` and `chaos --server cluster`.
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

export const PRODUCTION_VERSION = 'v1.29.1';

/** Where one production server (or cluster) lives and how big it is. */
export interface ProductionTemporalSetup {
  /** Its configuration files, one folder per node. */
  root: string;
  logDir: string;
  /** Created afresh at every start, as the dev server's SQLite file is, so runs are comparable. */
  databases: { persistence: string; visibility: string };
  /** One per node: the node's frontend gRPC port; its other services use the eight ports after it. */
  frontendPorts: number[];
  historyShards: number;
  /**
   * Pool sizes per service and node (each process runs four services, each with its own pools,
   * opened as needed): the shared PostgreSQL allows 100 clients, and FerretDB and the test stacks need theirs.
   */
  connections: { persistence: number; visibility: number };
  say: (line: string) => void;
}
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

/**
 * One node: all four services, persistence and visibility on PostgreSQL, no archival, no metrics.
 * Nodes of one cluster share the databases and find each other through them (ringpop's
 * cluster_membership table); the history shards are spread over the live nodes.
 */
function serverConfig(config: Config, setup: ProductionTemporalSetup, frontendPort: number, dynamicConfigFile: string): string {
  const port = (offset: number) => frontendPort + offset;
  const service = (name: string, grpc: number, membership: number, extra = '') =>
    `  ${name}:\n    rpc:\n      grpcPort: ${grpc}\n      membershipPort: ${membership}\n      bindOnLocalHost: true\n${extra}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${setup.historyShards}
  datastores:
    default:
${datastore(config, setup.databases.persistence, setup.connections.persistence)}
    visibility:
${datastore(config, setup.databases.visibility, setup.connections.visibility)}
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
      rpcAddress: "127.0.0.1:${setup.frontendPorts[0]}"
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
export async function prepareNamespace(temporal: Config['temporal']): Promise<void> {
  const connection = await connectTemporal(temporal);
  try {
    const namespace = temporal.namespace;
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

/** A production server or cluster on fresh databases: built (once, cached), configured, and its nodes started and stopped at will. */
export class ProductionTemporal {
  private constructor(
    private readonly config: Config,
    private readonly setup: ProductionTemporalSetup,
    private readonly server: string,
  ) {}

  static async prepare(config: Config, setup: ProductionTemporalSetup): Promise<ProductionTemporal> {
    const binaries = { cacheDir: config.cacheDir, say: setup.say };
    const server = await resolveBinary(TEMPORAL_SERVER, { ...binaries, explicitPath: process.env[TEMPORAL_SERVER.pathVariable] });
    const sqlTool = await resolveBinary(TEMPORAL_SQL_TOOL, { ...binaries, explicitPath: process.env[TEMPORAL_SQL_TOOL.pathVariable] });
    const { persistence, visibility } = setup.databases;
    setup.say(`Temporal server ${PRODUCTION_VERSION}: fresh schema in PostgreSQL databases ${persistence} and ${visibility}`);
    await freshSchema(sqlTool, config, persistence, 'postgresql/v12/temporal');
    await freshSchema(sqlTool, config, visibility, 'postgresql/v12/visibility');
    const dynamicConfigFile = join(setup.root, 'dynamicconfig.yaml');
    mkdirSync(setup.root, { recursive: true });
    writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);
    setup.frontendPorts.forEach((port, node) => {
      mkdirSync(join(setup.root, `node-${node + 1}`, 'config'), { recursive: true });
      writeFileSync(join(setup.root, `node-${node + 1}`, 'config', 'development.yaml'), serverConfig(config, setup, port, dynamicConfigFile));
    });
    return new ProductionTemporal(config, setup, server);
  }

  /** The node's frontend address. */
  address(node: number): string {
    return `127.0.0.1:${this.setup.frontendPorts[node]}`;
  }

  /** Starts one node and waits until its frontend answers. */
  async startNode(node: number): Promise<ManagedProcess> {
    const root = join(this.setup.root, `node-${node + 1}`);
    const name = `Temporal server ${PRODUCTION_VERSION} node ${node + 1}`;
    this.setup.say(`${name}: starting on ${this.address(node)}, ${this.setup.historyShards} history shards`);
    const args = ['--root', root, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'];
    const child = startProcess(name, this.server, args, join(this.setup.logDir, `temporal-production-node-${node + 1}.log`), root);
    const temporal = { ...this.config.temporal, address: this.address(node) };
    const answers = async () => {
      const connection = await connectTemporal(temporal, 1_000);
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    };
    try {
      await waitUntilReady(name, answers, { timeoutMs: 120_000, process: child });
    } catch (error) {
      await child.stop(this.config.timeouts.shutdownMs);
      throw error;
    }
    return child;
  }
}
