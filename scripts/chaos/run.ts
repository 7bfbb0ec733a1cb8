// One chaos run from start to report: the stack, the replicas, the partners, the events and the
// faults, then the wait for quiescence and the checks.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import type { Config } from '../../src/config/schema';
import { openConfigStore } from '../../src/db/config-store';
import { logIndex } from '../../src/db/schema';
import { LOGS_COLLECTION, RETRY_LOGS_COLLECTION, withOmittedFields, type LogDocument, type RetryLogDocument } from '../../src/logstore/log-document';
import { MongoClient } from 'mongodb';
import { and, eq, inArray } from 'drizzle-orm';
import { ApiClient } from '../../test/support/api-client';
import { createLabFixture, type LabFixture } from '../../test/support/lab-fixtures';
import { prepareConfigStore } from '../../test/support/test-stack';
import { checkRun, type Check } from './checks';
import { Dashboard } from './dashboards';
import { emitUntilAccepted, labClient, planEvents, type EmittedEvent } from './emit';
import { CHAOS_ADMIN_PASSWORD, type ChaosPlace } from './environment';
import { describeFault, planFaults, type FaultPlan, type ServerFault } from './faults';
import type { ChaosOptions } from './options';
import { FAULT_SHARES, FaultyHttpPartner, FaultyMirth } from './partners';
import { Replica, RestartableServer, restartPostgres } from './processes';
import { seededRandom } from './random';
import { FrontendProxy } from './frontend-proxy';
import { prepareNamespace, ProductionTemporal } from '../temporal-server/production-temporal';

export const say = (line: string): void => void process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

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

/** `--server cluster`: two nodes of Temporal server on fresh databases, each started and stopped on its own. */
async function clusterNodes(config: Config, place: ChaosPlace): Promise<RestartableServer[]> {
  const cluster = await ProductionTemporal.prepare(config, {
    root: join(place.dataDir, 'temporal-cluster'),
    logDir: join(place.dataDir, 'logs'),
    databases: place.clusterDatabases,
    frontendPorts: place.clusterFrontendPorts,
    historyShards: 4,
    // Two nodes of four services each share the machine's PostgreSQL (100 clients) with FerretDB and four Labwire processes.
    connections: { persistence: 4, visibility: 1 },
    say,
  });
  return place.clusterFrontendPorts.map((_, node) => new RestartableServer(`Temporal cluster node ${node + 1}`, () => cluster.startNode(node)));
}

async function freshState(config: Config, place: ChaosPlace): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(place.dataDir, 'temporal', `temporal.sqlite${suffix}`), { force: true });
  const admin = postgres('postgres://postgres@127.0.0.1:5432/postgres', { max: 1, onnotice: () => undefined });
  try {
    for (const url of [config.postgres.url, config.logStore.ferret.postgresUrl]) {
      const name = decodeURIComponent(new URL(url).pathname.slice(1));
      if (!name.startsWith('labwire_chaos')) throw new Error(`refusing to drop ${name}: not a chaos database`);
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
    }
  } finally {
    await admin.end();
  }
}

async function createIntegrations(admin: ApiClient, lab: LabFixture, partner: FaultyHttpPartner, mirth: FaultyMirth) {
  const add = async (body: Record<string, unknown>) => {
    const answer = await admin.request('POST', '/api/integrations', { labId: lab.labId, developerId: lab.developerId, ...body });
    if (answer.status !== 201) throw new Error(`adding a ${String(body.integrationType)} integration: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as { authKey: string; integrations: Array<{ id: number }> };
  };
  const webhook = await add({ integrationType: 'webhook', url: partner.url('/hook'), integrations: [{ actionCategoryId: 1 }] });
  const vendor = await add({ integrationType: 'async_vendor', url: partner.url('/vendor'), extraDetails: { vendor: 'ChaosCourier' }, integrations: [{ actionCategoryId: 3 }] });
  const hl7 = await add({ integrationType: 'mirth', payloadType: 'ORU_R01', extraDetails: { host: '127.0.0.1', port: mirth.port }, integrations: [{ actionCategoryId: 4 }] });
  return {
    partnerKey: webhook.authKey,
    vendorKey: vendor.authKey,
    integrationOf: { webhook: webhook.integrations[0]!.id, vendor: vendor.integrations[0]!.id, mirth: hl7.integrations[0]!.id },
  };
}

/** Tries `action` against either replica until one answers without a 5xx (or `stop`). */
async function onAnyReplica<T extends { status: number }>(apis: ApiClient[], action: (api: ApiClient) => Promise<T>, stop: AbortSignal): Promise<T | undefined> {
  for (let attempt = 0; !stop.aborted && attempt < 120; attempt++) {
    const answer = await action(apis[attempt % apis.length]!).catch(() => undefined);
    if (answer && answer.status < 500) return answer;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return undefined;
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
    let vendorKey = '';
    const partner = new FaultyHttpPartner(partnerRandom, FAULT_SHARES, config.delivery.asyncCallbackTimeoutMs, async (logId, body) => {
      const api = apiUrls[Math.floor(partnerRandom() * 2)]!;
      const response = await fetch(`${api}/partner/v1/callbacks/${logId}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${vendorKey}` }, body: JSON.stringify(body) });
      await response.arrayBuffer();
      return response.status;
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
    const client = labClient(config.temporal.address, config.postgres.url, config.temporal.taskQueue);
    cleanups.push(() => client.close());
    const outboxSql = postgres(config.postgres.url, { max: 2, onnotice: () => undefined });
    cleanups.push(() => outboxSql.end({ timeout: 5 }));
    const emitDeps = { lab, apis: admins, partnerApis: apiUrls.map((url) => new ApiClient(url)) as [ApiClient, ApiClient], partnerKey: integrations.partnerKey, client, sql: outboxSql };

    const plan = planFaults(random, options);
    const planned = planEvents(random, options.events, options.faultWindowMs * 0.9, runId);
    say(`Seed ${options.seed}: ${planned.length} events over ${(options.faultWindowMs / 60_000).toFixed(1)} min, ${plan.workerKills.length} worker kills, ${plan.servers.length} other faults`);
    const faultsStarted = Date.now();
    const finalAtStart = 0;
    const injected: string[] = [];
    const emitting = emitAll(emitDeps, planned, faultsStarted, stop.signal);
    const killing = killWorkers(workers, plan, faultsStarted, stop.signal);
    const serverFaults = injectServerFaults(plan, faultsStarted, { server: options.server, temporal, ferret, apis, admins, lab }, injected, stop.signal);
    const [events] = await Promise.all([emitting, killing, serverFaults]);
    const faultsEnded = Date.now();
    const finalDuringFaults = await countFinal(store.db, lab.labId);
    say(`Faults done (${injected.length} server faults, ${plan.workerKills.length} worker kills); waiting for quiescence (at most ${options.quiesceTimeoutMs / 1000} s)…`);

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
      deliveriesPerSecondDuringFaults: (finalDuringFaults - finalAtStart) / ((faultsEnded - faultsStarted) / 1000),
      injected: [...injected, `${plan.workerKills.length} × worker process group SIGKILL, restarted after 0–2 s`],
      workerKills: plan.workerKills.length,
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
    .where(and(eq(logIndex.labId, labId), inArray(logIndex.status, ['SUCCESS', 'FAIL'])))
    .catch(() => []);
  return rows.length;
}

const sleepUntil = (startedAt: number, atMs: number, stop: AbortSignal) =>
  new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      stop.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, Math.max(0, startedAt + atMs - Date.now()));
    stop.addEventListener('abort', wake, { once: true });
  });

/** Every planned event at its time, at most 20 in flight, each tried until accepted. */
async function emitAll(deps: Parameters<typeof emitUntilAccepted>[0], planned: ReturnType<typeof planEvents>, startedAt: number, stop: AbortSignal): Promise<EmittedEvent[]> {
  const results: EmittedEvent[] = [];
  const inFlight = new Set<Promise<void>>();
  for (const event of planned) {
    await sleepUntil(startedAt, event.atMs, stop);
    while (inFlight.size >= 20) await Promise.race(inFlight);
    const one: Promise<void> = emitUntilAccepted(deps, event, 5 * 60_000, stop).then((emitted) => {
      results.push(emitted);
      inFlight.delete(one);
    });
    inFlight.add(one);
  }
  await Promise.all(inFlight);
  return results.sort((a, b) => a.index - b.index);
}

async function killWorkers(workers: Replica[], plan: FaultPlan, startedAt: number, stop: AbortSignal): Promise<void> {
  const restarts: Promise<void>[] = [];
  for (const { atMs, fault } of plan.workerKills) {
    await sleepUntil(startedAt, atMs, stop);
    if (stop.aborted) break;
    // A worker that has been up a moment (so it has work in hand); the preferred one if it is.
    const deadline = Date.now() + 20_000;
    let target: Replica | undefined;
    while (!target && Date.now() < deadline) {
      target = [workers[fault.preferred]!, workers[1 - fault.preferred]!].find((w) => w.upFor(1_000));
      if (!target) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (target) restarts.push(target.kill('SIGKILL', fault.restartAfterMs));
  }
  await Promise.all(restarts);
}

interface FaultTargets {
  server: ChaosOptions['server'];
  /** The dev server, or each node of the cluster. */
  temporal: RestartableServer[];
  ferret: RestartableServer;
  apis: Replica[];
  admins: [ApiClient, ApiClient];
  lab: LabFixture;
}

async function injectServerFaults(plan: FaultPlan, startedAt: number, targets: FaultTargets, injected: string[], stop: AbortSignal): Promise<void> {
  for (const { atMs, fault } of plan.servers) {
    await sleepUntil(startedAt, atMs, stop);
    if (stop.aborted) return;
    say(`fault: ${describeFault(fault, targets.server)}`);
    injected.push(`${describeFault(fault, targets.server)}${await inject(fault, targets, stop)}`);
  }
}

/** Injects one fault and waits for its end; a note for the report. */
async function inject(fault: ServerFault, targets: FaultTargets, stop: AbortSignal): Promise<string> {
  const { temporal, ferret, apis, admins, lab } = targets;
  switch (fault.kind) {
    case 'temporal': {
      const server = temporal[fault.node % temporal.length]!;
      await server.kill(fault.signal);
      await new Promise((resolve) => setTimeout(resolve, fault.downMs));
      await server.start();
      return '';
    }
    case 'ferretdb':
      await ferret.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, fault.downMs));
      await ferret.start();
      return '';
    case 'postgres':
      restartPostgres();
      return '';
    case 'api':
      await apis[fault.replica]!.kill('SIGTERM', 500);
      await apis[fault.replica]!.start();
      return '';
    case 'manual-retry': {
      const failed = await onAnyReplica(admins, (api) => api.request('GET', `/api/logs?status=FAIL&type=WEBHOOK&labId=${lab.labId}&limit=1`), stop);
      const logId = (failed?.body as { items?: Array<{ id?: string }> } | undefined)?.items?.[0]?.id;
      if (!logId) return ': no failed log yet';
      const answer = await onAnyReplica(admins, (api) => api.request('POST', `/api/logs/${logId}/retry`, {}), stop);
      return `: ${logId} → ${answer?.status ?? 'no answer'}`;
    }
    case 'bulk-retry': {
      const answer = await onAnyReplica(admins, (api) => api.request('POST', '/api/logs/retry', { filter: { status: ['FAIL'], type: 'WEBHOOK', labId: lab.labId } }), stop);
      const bulkId = (answer?.body as { bulkId?: string } | undefined)?.bulkId;
      return `: ${answer?.status ?? 'no answer'} ${bulkId ? `bulk ${bulkId}` : JSON.stringify(answer?.body ?? '')}`;
    }
  }
}
