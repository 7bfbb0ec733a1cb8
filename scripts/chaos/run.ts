// One chaos run from start to report: the stack, the replicas, the partners, the events and the
// faults, then the wait for quiescence and the checks.
import postgres from 'postgres';
import type { Config } from '../../src/config/schema';
import { openConfigStore } from '../../src/db/config-store';
import { logIndex } from '../../src/db/schema';
import { LOGS_COLLECTION, RETRY_LOGS_COLLECTION, withOmittedFields, type LogDocument, type RetryLogDocument } from '../../src/logstore/log-document';
import { MongoClient } from 'mongodb';
import { and, eq, inArray } from 'drizzle-orm';
import { ApiClient } from '../../test/support/api-client';
import { createLabFixture } from '../../test/support/lab-fixtures';
import { prepareConfigStore } from '../../test/support/test-stack';
import { checkRun, type Check } from './checks';
import { Dashboard } from './dashboards';
import { emitAll, labClient, planEvents } from './emit';
import { CHAOS_ADMIN_PASSWORD, type ChaosPlace } from './environment';
import { planFaults } from './faults';
import type { ChaosOptions } from './options';
import { FAULT_SHARES, FaultyHttpPartner, FaultyMirth } from './partners';
import { Replica, RestartableServer } from './processes';
import { seededRandom } from './random';
import { say } from './say';
import { clusterNodes, createIntegrations, freshState } from './stack';
import { injectServerFaults, killWorkers } from './inject';
import { FrontendProxy } from './frontend-proxy';
import { prepareNamespace } from '../temporal-server/production-temporal';

export interface ChaosResult {
  options: ChaosOptions;
  checks: Check[];
  passed: boolean;
  wallMs: number;
  faultWindowMs: number;
  /** Logs that became final while faults were being injected, per second. */
  deliveriesPerSecondDuringFaults: number;
  injected: string[];
  workerKills: number;
  replicaStarts: Record<string, number>;
  ownExits: Record<string, string[]>;
  dashboards: Array<{ name: string; connects: number; events: number }>;
  statuses: Record<string, number>;
  emitTries: number;
  sources: Record<string, number>;
  kinds: Record<string, number>;
}

export async function runChaos(config: Config, place: ChaosPlace, env: Record<string, string | undefined>, options: ChaosOptions): Promise<ChaosResult> {
  const random = seededRandom(options.seed);
  const partnerRandom = seededRandom(options.seed + 1);
  const runId = `${options.seed}-${Date.now().toString(36)}`;
  const stop = new AbortController();
  const cleanups: Array<() => Promise<unknown>> = [];
  const started = Date.now();
  try {
    say(`Fresh chaos stack: ${place.dataDir}, Temporal :${place.temporalPort}, FerretDB :${place.ferretPort}, database ${place.database}`);
    await freshState(config, place);
    const temporal = options.server === 'dev' ? [RestartableServer.temporal(config)] : await clusterNodes(config, place);
    for (const server of temporal) {
      await server.start();
      cleanups.push(() => server.stop());
    }
    if (options.server === 'cluster') {
      const proxy = await new FrontendProxy(place.clusterFrontendPorts).start(place.temporalPort);
      cleanups.push(() => proxy.stop());
      await prepareNamespace(config.temporal);
    }
    const ferret = RestartableServer.ferretdb(config);
    await ferret.start();
    cleanups.push(() => ferret.stop());
    await prepareConfigStore(config);
    const store = openConfigStore(config.postgres.url, { max: 2 });
    cleanups.push(() => store.close());
    const lab = await createLabFixture(store.db);

    const apiUrls = place.apiPorts.map((port) => `http://127.0.0.1:${port}`);
    const admins = apiUrls.map((url) => new ApiClient(url, { username: 'admin', password: CHAOS_ADMIN_PASSWORD })) as [ApiClient, ApiClient];
    // Partners are not signed in: their calls carry an auth key.
    const partnerApis = apiUrls.map((url) => new ApiClient(url)) as [ApiClient, ApiClient];
    let vendorKey = '';
    const partner = new FaultyHttpPartner(partnerRandom, FAULT_SHARES, config.delivery.asyncCallbackTimeoutMs, async (logId, body) => {
      const api = partnerApis[Math.floor(partnerRandom() * 2)]!;
      return (await api.request('POST', `/partner/v1/callbacks/${logId}`, body, { authorization: `Bearer ${vendorKey}` })).status;
    });
    await partner.start();
    cleanups.push(() => partner.stop());
    const mirth = new FaultyMirth(partnerRandom, FAULT_SHARES);
    await mirth.start();
    cleanups.push(() => mirth.stop());

    say('Starting 2 API and 2 worker processes…');
    const apis = place.apiPorts.map((port, i) => new Replica(`api-${i + 1}`, ['api'], { ...env, API_PORT: String(port) }, 'API listening on'));
    const workers = [1, 2].map((n) => new Replica(`worker-${n}`, ['worker'], env, 'Worker: polling task queues'));
    for (const replica of [...apis, ...workers]) cleanups.push(() => replica.stop());
    await Promise.all([...apis, ...workers].map((replica) => replica.start()));
    const integrations = await createIntegrations(admins[0], lab, partner, mirth);
    vendorKey = integrations.vendorKey;

    const dashboards = admins.map((api, i) => new Dashboard(`dashboard on api-${i + 1}`, api));
    for (const dashboard of dashboards) dashboard.start();
    cleanups.push(async () => Promise.all(dashboards.map((d) => d.stop())));
    const client = labClient(config.temporal, config.postgres.url);
    cleanups.push(() => client.close());
    const outboxSql = postgres(config.postgres.url, { max: 2, onnotice: () => undefined });
    cleanups.push(() => outboxSql.end({ timeout: 5 }));
    const emitDeps = { lab, apis: admins, partnerApis, partnerKey: integrations.partnerKey, client, sql: outboxSql };

    const plan = planFaults(random, options);
    const planned = planEvents(random, options.events, options.faultWindowMs * 0.9, runId);
    say(`Seed ${options.seed}: ${planned.length} events over ${(options.faultWindowMs / 60_000).toFixed(1)} min, ${plan.workerKills.length} worker kills, ${plan.servers.length} other faults`);
    const faultsStarted = Date.now();
    const injected: string[] = [];
    const emitting = emitAll(emitDeps, planned, faultsStarted, stop.signal);
    const killing = killWorkers(workers, plan, faultsStarted, stop.signal);
    const serverFaults = injectServerFaults(plan, faultsStarted, { server: options.server, temporal, ferret, apis, admins, lab }, injected, stop.signal);
    const [events, workerKills] = await Promise.all([emitting, killing, serverFaults]);
    const faultsEnded = Date.now();
    const finalDuringFaults = await countFinal(store.db, lab.labId);
    say(`Faults done (${injected.length} server faults, ${workerKills} worker kills); waiting for quiescence (at most ${options.quiesceTimeoutMs / 1000} s)…`);

    const logStore = new MongoClient(config.logStore.url, { serverSelectionTimeoutMS: 10_000 });
    cleanups.push(() => logStore.close());
    const db = logStore.db(config.logStore.database);
    const runLogs = async () =>
      (await db.collection<LogDocument>(LOGS_COLLECTION).find({ lab_id: lab.labId, type: 'WEBHOOK' }).toArray()).map(withOmittedFields);
    const quiesceDeadline = Date.now() + options.quiesceTimeoutMs;
    for (;;) {
      const logs = await runLogs().catch(() => undefined);
      const queued = logs?.filter((l) => l.status === 'QUEUED').length ?? -1;
      const settled = logs !== undefined && queued === 0 && partner.pendingCallbacks === 0;
      if (settled || Date.now() > quiesceDeadline) break;
      say(`  ${logs?.length ?? '?'} logs, ${queued} QUEUED, ${partner.pendingCallbacks} vendor callbacks to come`);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
    // The dashboards get the last changes a moment after the read model has them.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const logs = await runLogs();
    const retries = await db.collection<RetryLogDocument>(RETRY_LOGS_COLLECTION).find({}).toArray();
    const rows = logs.length === 0 ? [] : await store.db.select({ id: logIndex.id, status: logIndex.status }).from(logIndex).where(inArray(logIndex.id, logs.map((l) => l._id)));
    const checks = checkRun({
      events,
      logs,
      indexed: new Map(rows.map((r) => [r.id, r.status])),
      retries,
      webhookSends: partner.sends,
      vendorSends: partner.vendorSends,
      mirthSends: mirth.sends,
      callbacks: partner.callbacks,
      unkeyed: partner.unkeyed,
      dashboards,
      integrationOf: integrations.integrationOf,
    });
    const count = <T>(items: T[], key: (item: T) => string) => items.reduce<Record<string, number>>((acc, item) => ({ ...acc, [key(item)]: (acc[key(item)] ?? 0) + 1 }), {});
    return {
      options,
      checks,
      passed: checks.every((c) => !c.mustBeZero || c.count === 0),
      wallMs: Date.now() - started,
      faultWindowMs: faultsEnded - faultsStarted,
      deliveriesPerSecondDuringFaults: finalDuringFaults / ((faultsEnded - faultsStarted) / 1000),
      injected: [...injected, `${workerKills} × worker process group SIGKILL, restarted after 0–2 s (${plan.workerKills.length} planned)`],
      workerKills,
      replicaStarts: Object.fromEntries([...apis, ...workers].map((r) => [r.name, r.starts])),
      ownExits: Object.fromEntries([...apis, ...workers].map((r) => [r.name, r.ownExits])),
      dashboards: dashboards.map((d) => ({ name: d.name, connects: d.connects, events: d.eventsSeen })),
      statuses: count(logs, (l) => l.status || 'SUPPRESSED'),
      emitTries: events.reduce((sum, e) => sum + e.tries, 0),
      sources: count(events, (e) => e.source),
      kinds: count(events, (e) => e.kind),
    };
  } finally {
    stop.abort();
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => say(`cleanup: ${String(error)}`));
  }
}

async function countFinal(db: ReturnType<typeof openConfigStore>['db'], labId: number): Promise<number> {
  const rows = await db
    .select({ id: logIndex.id })
    .from(logIndex)
    // Deliveries only: the partner API's calls and the vendor's callbacks are logged too (type API).
    .where(and(eq(logIndex.labId, labId), eq(logIndex.type, 'WEBHOOK'), inArray(logIndex.status, ['SUCCESS', 'FAIL'])))
    .catch(() => []);
  return rows.length;
}

