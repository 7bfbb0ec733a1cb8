import { randomUUID } from 'node:crypto';
import type { Config } from '../../src/config/schema';
import { openConfigStore, type ConfigStore } from '../../src/db/config-store';
import { openLogStore, type LogStore } from '../../src/logstore/log-store';
import { Callers } from './callers';
import { createPartner, guardIdentities, type Partner } from './fuzz-fixtures';
import { operationsOf, type Operation } from './operations';
import { LabwireProcess } from './processes';
import type { KnownValues } from './schema-values';
import { storeProbe, type StoreProbe } from './store-snapshot';

/** Everything a run needs: the two processes, the callers, the operations, known ids, the store probe. */
export interface FuzzTarget {
  port: number;
  api: LabwireProcess;
  worker: LabwireProcess;
  callers: Callers;
  operations: Operation[];
  known: KnownValues;
  probe: StoreProbe;
  /** Puts back what fuzzed admin calls may have changed and signs the callers in again where needed. */
  repair(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The same servers, but stores and task queues of the fuzzer's own: inside a test suite, other
 * tests' deliveries (retries, callbacks, retention timers) would keep changing the shared stores,
 * and the write check waits for quiet stores before it takes its figures.
 */
export function ownStores(config: Config): Config {
  const url = new URL(config.postgres.url);
  url.pathname = `${url.pathname}_fuzz`;
  return {
    ...config,
    postgres: { ...config.postgres, url: url.toString() },
    logStore: { ...config.logStore, database: `${config.logStore.database}_fuzz` },
    temporal: { ...config.temporal, taskQueue: `${config.temporal.taskQueue}-fuzz`, crelioTaskQueue: `${config.temporal.crelioTaskQueue}-fuzz` },
  };
}

/** The fuzzed API's port: the test slot's API port + 50 (`npm run fuzz`) or + 51 (the jest test), apart from the suite's own. */
export const fuzzPort = (apiPort: number, runner: 'script' | 'jest') => apiPort + (runner === 'script' ? 50 : 51);

/**
 * Settings of the fuzzed processes: the partner rate limit high enough that 429 stays one answer
 * among others (the limit itself is tested elsewhere); webhook targets stay loopback-only; the
 * fuzzer stands as a proxy on loopback (TRUST_PROXY), so its own sign-ins can each come from an
 * address of their own and the sign-in limit that fuzzed wrong passwords hit never locks it out.
 */
export function fuzzEnvironment(config: Config, port: number): Record<string, string> {
  return {
    API_PORT: String(port),
    MONGODB_DATABASE: config.logStore.database,
    // The running FerretDB's own database (otherwise derived from DATABASE_URL, which ownStores renames).
    FERRETDB_POSTGRES_URL: config.logStore.ferret.postgresUrl,
    TASK_QUEUE: config.temporal.taskQueue,
    CRELIO_TASK_QUEUE: config.temporal.crelioTaskQueue,
    PARTNER_RATE_LIMIT_PER_MINUTE: '1000000',
    TARGET_ALLOWLIST: '127.0.0.0/8,::1/128',
    TRUST_PROXY: 'loopback',
    LOG_LEVEL: 'error',
    SWEEP_PAUSED: 'true',
    DATABASE_URL: config.postgres.url,
  };
}

async function knownValues(store: ConfigStore, partner: Partner): Promise<KnownValues> {
  const ids = async (query: Promise<Array<{ id: number | string }>>) => (await query).map((row) => row.id);
  const { sql } = store;
  const [logIds, userIds, authIds, labIntegrationIds, developerIds, actionIds, labIds] = await Promise.all([
    ids(sql`(select id from log_index where type = 'WEBHOOK' order by inserted_at desc limit 15) union all (select id from log_index where type = 'API' order by inserted_at desc limit 5)`),
    ids(sql`select id from users order by id limit 30`),
    ids(sql`select id from developer_authentication order by id desc limit 10`),
    ids(sql`select id from lab_integration order by id desc limit 10`),
    ids(sql`select id from developers order by id limit 10`),
    ids(sql`select id from action_categories order by id`),
    ids(sql`select id from labs order by id desc limit 5`),
  ]);
  const bulkIds = [randomUUID(), randomUUID()];
  const byPath: Array<[RegExp, Array<string | number>]> = [
    [/\/logs\/\{id\}|#logId$/, logIds],
    [/\/users\/\{id\}/, userIds],
    [/\/authentications\/\{id\}/, [partner.authId, ...authIds]],
    [/\/lab-integrations\/\{id\}/, labIntegrationIds],
    [/\/bills\/\{id\}/, [partner.billId]],
    [/\/reports\/\{id\}/, [partner.reportId]],
    [/\/bulk-retries\/\{id\}/, bulkIds],
    [/#labId$/, [partner.labId, ...labIds]],
  ];
  const byName: Record<string, Array<string | number>> = {
    labId: [partner.labId],
    developerId: [partner.developerId, ...developerIds],
    actionCategoryId: actionIds,
    id: [partner.billId, partner.reportId, partner.patientId],
    ids: logIds,
    q: [...logIds.slice(0, 3), `bill:${partner.billId}`, String(partner.labId)],
    username: ['fuzz-viewer', 'admin'],
  };
  return (name) => byPath.find(([pattern]) => pattern.test(name))?.[1] ?? byName[name] ?? [];
}

/** Starts `labwire api` and `labwire worker` against the running stack and prepares the callers. */
export async function startTarget(config: Config, port: number, say: (line: string) => void): Promise<FuzzTarget> {
  const store = openConfigStore(config.postgres.url, { max: 2 });
  let logStore: LogStore | undefined;
  const processes: LabwireProcess[] = [];
  try {
    logStore = await openLogStore(config.logStore.url, config.logStore.database);
    const partner = await createPartner(store.db);
    const restoreIdentities = await guardIdentities(store.sql, partner);
    const env = fuzzEnvironment(config, port);
    say(`Starting labwire api (port ${port}) and labwire worker (task queues ${config.temporal.taskQueue}, ${config.temporal.crelioTaskQueue})`);
    const api = new LabwireProcess('api', env, 'API listening on');
    const worker = new LabwireProcess('worker', env, 'Worker: polling');
    processes.push(api, worker);
    await Promise.all([api.ready(), worker.ready()]);
    const baseUrl = `http://127.0.0.1:${port}`;
    const callers = new Callers(() => baseUrl, partner.authKey);
    await callers.ensureSignedIn();
    const operatorDocument = await (await fetch(`${baseUrl}/api/openapi.json`, { headers: { cookie: callers.cookieOf('viewer') } })).json();
    const partnerDocument = await (await fetch(`${baseUrl}/partner/v1/openapi.json`)).json();
    const operations = [...operationsOf('operator', operatorDocument), ...operationsOf('partner', partnerDocument)];
    const probe = await storeProbe(store.sql, logStore.db);
    const known = await knownValues(store, partner);
    const openedLogStore = logStore;
    return {
      port,
      api,
      worker,
      callers,
      operations,
      known,
      probe,
      async repair() {
        await restoreIdentities();
        await callers.ensureSignedIn();
      },
      async close() {
        await Promise.all(processes.map((p) => p.stop()));
        await openedLogStore.close();
        await store.close();
      },
    };
  } catch (error) {
    await Promise.all(processes.map((p) => p.stop()));
    await logStore?.close();
    await store.close();
    throw error;
  }
}
