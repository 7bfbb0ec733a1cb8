/**
 * Records the replay histories test/unit/replay.test.ts replays: every workflow type, driven on a
 * real stack (Temporal dev server, PostgreSQL, FerretDB, the API and workers in-process) against
 * a real HTTP receiver and MLLP peer on loopback, with synthetic test data only.
 *
 *   LABWIRE_TEST_SLOT=4 npm run record:histories -- [--generation <label>]
 *
 * Writes test/histories/<generation>/<name>.json (Temporal's JSON history form, payloads
 * decrypted: see README "Changing workflow code") and its manifest.json. A generation is never
 * overwritten: old histories stay and keep being replayed.
 *
 * It uses the slot's PostgreSQL and FerretDB (a log store database of its own, dropped at the end)
 * and a Temporal dev server of its own (slot ports + 50), started fresh with one change:
 * `limit.historyCount.suggestContinueAsNew` lowered to CONTINUE_AS_NEW_AFTER_EVENTS, so the
 * server suggests continue-as-new after a few retries instead of after ~4,000 events. That
 * suggestion is the production trigger of the delivery's continue-as-new; every other history
 * stays well below the limit, so none of them changes shape.
 */
import { endpointFlowQuery, endpointFlowWorkflowId } from '../workflows/endpoint-definitions';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { projectRoot } from '../src/config/schema';
import { developers } from '../src/db/schema';
import { resolveBinary, TEMPORAL_CLI } from '../src/devstack/binaries';
import { startProcess, waitUntilReady, portIsOpen } from '../src/devstack/process';
import { sayToStderr } from '../src/devstack/say';
import { answersGrpc, devServerArgs } from '../src/devstack/temporal-server';
import { eventWorkflowId } from '../src/events/business-event';
import { payloadCodecFor } from '../src/temporal/payload-codec';
import { bundleWorkflows } from '../src/worker/worker';
import { bodyRetentionWorkflow, ping, sweepWorkflow } from '../workflows';
import { bulkRetryWorkflowId, type BulkProgress } from '../workflows/bulk-retry';
import { deliveryWorkflowId, eventDeliveriesQuery } from '../workflows/definitions';
import type { DeliveryState } from '../workflows/types';
import { eventually, testConfig, uniqueId } from '../test/support/fixtures';
import { Harness } from '../test/support/harness';
import { decryptPayloads, historiesDir, historyMentions, historyToJson, type Manifest, type ManifestEntry } from '../test/support/histories';
import { billEvent, webhookIntegration } from '../test/support/integrations';
import { createLabFixture, type LabFixture } from '../test/support/lab-fixtures';
import { MirthPeer } from '../test/support/mirth-peer';
import { Receiver } from '../test/support/receiver';
import { applyTestEnvironment } from '../test/support/test-environment';
import { prepareTestStack } from '../test/support/test-stack';

const CONTINUE_AS_NEW_AFTER_EVENTS = 100;
/** How long a delivery stays open for retries while recording: long enough to retry it, short enough to record it closed. */
const RETENTION_MS = 25_000;
/** Obviously not a person: nothing of a patient may ever be committed. */
const SYNTHETIC_PATIENT = { first: 'Synthetic', last: 'Testpatient' };

const { EventType } = temporal.api.enums.v1;
type History = temporal.api.history.v1.History;

function generationArg(): string {
  const at = process.argv.indexOf('--generation');
  const label = at >= 0 ? process.argv[at + 1] : new Date().toISOString().slice(0, 10);
  if (!label || !/^[A-Za-z0-9._-]+$/.test(label)) throw new Error('--generation takes a label of letters, digits, dot, dash or underscore');
  return label;
}

/** The slot's servers, except Temporal: a dev server of our own with the lowered continue-as-new limit. */
async function startRecordingStack() {
  applyTestEnvironment();
  const slot = Number(process.env.LABWIRE_TEST_SLOT ?? 0);
  process.env.LABWIRE_DATA_DIR = join(projectRoot, '.labwire', `record-histories${slot ? `_s${slot}` : ''}`);
  process.env.TEMPORAL_PORT = String(Number(process.env.TEMPORAL_PORT) + 50);
  process.env.TEMPORAL_UI_PORT = String(Number(process.env.TEMPORAL_UI_PORT) + 50);
  process.env.DELIVERY_RETENTION_MS = String(RETENTION_MS);
  // The async vendor waits for its callback while it is recorded waiting (the timeout path has an integration of its own).
  process.env.ASYNC_CALLBACK_TIMEOUT_MS = '600000';
  const config = testConfig();
  if (await portIsOpen(config.temporal.port)) throw new Error(`port ${config.temporal.port} is taken: is another recorder running?`);
  rmSync(join(config.dataDir, 'temporal'), { recursive: true, force: true });
  const binary = await resolveBinary(TEMPORAL_CLI, { explicitPath: config.temporal.cliPath, cacheDir: config.cacheDir, say: sayToStderr });
  const args = [...devServerArgs(config), '--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${CONTINUE_AS_NEW_AFTER_EVENTS}`];
  const server = startProcess('temporal', binary, args, join(config.dataDir, 'logs', 'temporal.log'), config.dataDir);
  await waitUntilReady('Temporal dev server (recorder)', () => answersGrpc(config.temporal).catch(() => false), { timeoutMs: config.timeouts.startupMs, process: server });
  const stack = await prepareTestStack(config, sayToStderr);
  return { stop: async () => Promise.all([stack.stop(), server.stop(config.timeouts.shutdownMs)]) };
}

const pendingWork = new Set([
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
]);

class Recorder {
  readonly entries: ManifestEntry[] = [];
  constructor(
    private readonly harness: Harness,
    private readonly folder: string,
  ) {}

  /** A history at rest (no task or activity in flight, unchanged for a moment), decrypted, written. */
  async record(name: string, handle: WorkflowHandle, state: ManifestEntry['state'], scenario: string): Promise<void> {
    const codec = payloadCodecFor(this.harness.config.temporal.payloadKeys);
    const history = await eventually(async () => {
      const first = await handle.fetchHistory();
      await new Promise((resolve) => setTimeout(resolve, 700));
      const again = await handle.fetchHistory();
      const last = again.events?.at(-1);
      const settled = again.events?.length === first.events?.length && last && !pendingWork.has(last.eventType!);
      return settled ? (again as History) : undefined;
    }, 30_000);
    const description = await handle.describe();
    if (description.status.name !== state) throw new Error(`${name}: expected the run ${state}, it is ${description.status.name}`);
    await decryptPayloads(codec, history);
    if (historyMentions(history, SYNTHETIC_PATIENT.last)) throw new Error(`${name}: the history holds the patient's name; history must carry ids only`);
    const text = JSON.stringify(historyToJson(history), null, 1);
    const file = `${name}.json`;
    writeFileSync(join(this.folder, file), `${text}\n`);
    this.entries.push({ file, workflowType: description.type, workflowId: handle.workflowId, state, scenario });
    sayToStderr(`recorded ${file} (${history.events?.length} events, ${state})`);
  }
}

/** The commit the workflows were recorded from, marked `+changes` when workflows/ differs from it. */
function workflowCodeVersion(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8' }).trim();
  return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'workflows') ? '+changes' : ''}`;
}

/** A loopback port nobody listens on: a partner that is down (ECONNREFUSED, a retryable error the sweep retries). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function main(): Promise<void> {
  const generation = generationArg();
  const folder = join(historiesDir, generation);
  if (existsSync(folder)) throw new Error(`${folder} exists: recorded histories are kept; choose another --generation`);
  const stack = await startRecordingStack();
  const receiver = await new Receiver().start();
  const mirth = new MirthPeer();
  const mirthPort = await mirth.start();
  const isolation = uniqueId('record').replace(/-/g, '_');
  const harness = new Harness((c) => {
    // A log store database of its own: the sweep looks at every log of its window.
    c.logStore.database = `labwire_${isolation}`;
  });
  const bundle = await bundleWorkflows();
  await harness.start({ workflowBundle: bundle });
  mkdirSync(folder, { recursive: true });
  const recorder = new Recorder(harness, folder);
  const db = harness.services.configStore.db;
  const client = harness.services.temporal;
  const taskQueue = harness.config.temporal.taskQueue;
  const delivery = (logId: string) => client.workflow.getHandle(deliveryWorkflowId(logId));
  const eventRun = (l: LabFixture, eventId: string, runId?: string) => client.workflow.getHandle(eventWorkflowId({ labId: l.labId, eventId }), runId);
  /** Waits until the event workflow reports a log in the phase. */
  const phase = async (handle: WorkflowHandle, logId: string, wanted: DeliveryState['phase']) =>
    eventually(async () => (await handle.query(eventDeliveriesQuery)).some((d) => d.logId === logId && d.phase === wanted), 20_000);
  const lab = () => createLabFixture(db, SYNTHETIC_PATIENT);
  const emit = async (l: LabFixture, actionCategoryId: number) => {
    const eventId = uniqueId('evt');
    const answer = await harness.request('POST', '/api/events', billEvent(l, eventId, actionCategoryId));
    if (answer.status !== 202) throw new Error(`event refused: ${answer.status} ${JSON.stringify(answer.body)}`);
    return eventId;
  };
  const retry = async (logId: string, force = false) => {
    const answer = await harness.request('POST', `/api/logs/${logId}/retry?wait=true`, force ? { force } : {});
    if (answer.status !== 200) throw new Error(`retry of ${logId} refused: ${answer.status} ${JSON.stringify(answer.body)}`);
  };
  const asyncVendor = async (l: LabFixture, extraDetails: Record<string, unknown> = {}) => {
    const path = `/${uniqueId('vendor')}`;
    receiver.on(path, { status: 202, body: '{"queued":true}' });
    const added = await harness.request('POST', '/api/integrations', {
      labId: l.labId, developerId: l.developerId, integrationType: 'async_vendor', url: receiver.url(path),
      extraDetails: { vendor: 'QuickCourier', ...extraDetails }, integrations: [{ actionCategoryId: 3 }],
    });
    if (added.status !== 201) throw new Error(`async vendor refused: ${JSON.stringify(added.body)}`);
    return (added.body as { authKey: string }).authKey;
  };

  try {
    // The sweep first and alone, so its window holds only its own log.
    {
      const from = new Date();
      const l = await lab();
      await webhookIntegration(db, l, `http://127.0.0.1:${await deadPort()}/down`);
      const eventId = await emit(l, 1);
      const [log] = await harness.settledLogs(eventId, 1);
      const firstRun = eventRun(l, eventId);
      await firstRun.result();
      const firstRunId = (await firstRun.describe()).runId;
      const sweep = await client.workflow.start(sweepWorkflow, {
        taskQueue, workflowId: uniqueId('sweep'), args: [{ from: from.toISOString(), to: new Date(Date.now() + 60_000).toISOString() }],
      });
      const result = await sweep.result();
      if (result.retried !== 1) throw new Error(`the sweep retried ${result.retried} logs, expected 1`);
      await recorder.record('sweep-auto-retry', sweep, 'COMPLETED', 'the sweep finds one webhook log that failed with ECONNREFUSED and asks its (closed) event workflow for an auto retry');
      await harness.logWhere(log!._id, (g) => g.auto_retry_count === 1);
      await recorder.record('event-webhook-refused', eventRun(l, eventId, firstRunId), 'COMPLETED', 'one event, one webhook whose partner is down: 3 attempts (ECONNREFUSED) in a local activity with backoff, FAIL; closed');
      const reopened = eventRun(l, eventId);
      await reopened.result();
      await recorder.record('event-reopened-by-auto-retry', reopened, 'COMPLETED', 'the run the sweep\'s auto retry opened (update-with-start, retriesOnly): one send, FAIL again; closed');
    }

    await Promise.all([
      // A business event with two integrations: a webhook that fails, then a manual retry succeeds; and a Mirth channel.
      (async () => {
        const l = await lab();
        const path = `/${uniqueId('hook')}`;
        receiver.on(path, { status: 500, body: 'down for maintenance' });
        await webhookIntegration(db, l, receiver.url(path), 1);
        const [mirthPartner] = await db.insert(developers).values({ name: uniqueId('MirthPartner') }).returning();
        const added = await harness.request('POST', '/api/integrations', {
          labId: l.labId, developerId: mirthPartner!.id, integrationType: 'mirth', payloadType: 'ORM',
          extraDetails: { host: '127.0.0.1', port: mirthPort }, integrations: [{ actionCategoryId: 1 }],
        });
        if (added.status !== 201) throw new Error(`mirth integration refused: ${JSON.stringify(added.body)}`);
        const eventId = await emit(l, 1);
        const logs = await harness.settledLogs(eventId, 2);
        const webhook = logs.find((g) => g.integration_type === 'webhook')!;
        const hl7 = logs.find((g) => g.integration_type === 'mirth')!;
        if (webhook.status !== 'FAIL' || hl7.status !== 'SUCCESS') throw new Error(`unexpected statuses ${webhook.status} ${hl7.status}`);
        const first = eventRun(l, eventId);
        await first.result();
        const firstRunId = (await first.describe()).runId;
        await recorder.record('event-webhook-and-mirth', eventRun(l, eventId, firstRunId), 'COMPLETED', 'one event, two integrations: logs pre-created, the webhook answered 500 three times (FAIL), Mirth ORM over MLLP answered AA (SUCCESS); closed');
        receiver.on(path, { status: 200, body: 'ok now' });
        await retry(webhook._id);
        const reopened = eventRun(l, eventId);
        await reopened.result();
        await recorder.record('event-reopened-by-manual-retry', reopened, 'COMPLETED', 'a manual retry of the webhook log reopened the event workflow (update-with-start): 200, SUCCESS; closed');
      })(),

      // An async vendor beside a failing webhook: a retry taken by the open run while it waits, then the callback.
      (async () => {
        const l = await lab();
        const authKey = await asyncVendor(l);
        const path = `/${uniqueId('hook')}`;
        receiver.on(path, { status: 500, body: 'down' });
        await webhookIntegration(db, l, receiver.url(path), 3);
        const eventId = await emit(l, 3);
        const handle = eventRun(l, eventId);
        const logs = await eventually(async () => {
          const found = await harness.logsForEvent(eventId);
          return found.length === 2 && found.some((g) => g.integration_type === 'webhook' && g.status === 'FAIL') ? found : undefined;
        }, 30_000);
        const vendorLog = logs.find((g) => g.integration_type === 'async_vendor')!;
        const webhook = logs.find((g) => g.integration_type === 'webhook')!;
        await phase(handle, vendorLog._id, 'awaiting-callback');
        await recorder.record('event-async-awaiting-callback', handle, 'RUNNING', 'async vendor: submit answered 202, its log stays QUEUED, the run waits for the callback signal; the webhook beside it FAIL');
        receiver.on(path, { status: 200, body: 'ok' });
        await retry(webhook._id);
        await recorder.record('event-retried-while-awaiting-callback', handle, 'RUNNING', 'the open run took a manual retry of its webhook log (update, SUCCESS) while still waiting for the vendor');
        const called = await harness.request('POST', `/partner/v1/callbacks/${vendorLog._id}`, { status: 'SUCCESS', data: { trackingId: 'QC-1' } }, { authorization: `Bearer ${authKey}` });
        if (called.status !== 202) throw new Error(`callback refused: ${called.status}`);
        await handle.result();
        await recorder.record('event-async-called-back', handle, 'COMPLETED', 'the vendor callback (signal) made its log SUCCESS; closed');

        const late = await lab();
        await asyncVendor(late, { callbackTimeoutMs: 3000 });
        const lateEvent = eventRun(late, await emit(late, 3));
        await lateEvent.result();
        await recorder.record('event-async-callback-timed-out', lateEvent, 'COMPLETED', 'async vendor whose callback never came: the 3 s timer fired (FAIL); closed');
      })(),

      // Send a test: a draft integration sent once as a test delivery (one attempt, closes at once).
      (async () => {
        const l = await lab();
        const path = `/${uniqueId('test-send')}`;
        receiver.on(path, { status: 201, body: '{"received":true}', headers: { 'content-type': 'application/json' } });
        const sent = await harness.request('POST', '/api/integrations/test-send?wait=true', {
          integration: { labId: l.labId, developerId: l.developerId, integrationType: 'webhook', url: receiver.url(path), integrations: [{ actionCategoryId: 1 }] },
          event: { actionCategoryId: 1, entity: { type: 'bill', id: l.billId } },
        });
        const answer = sent.body as { logId: string; status: string };
        if (sent.status !== 200 || answer.status !== 'SUCCESS') throw new Error(`test send: ${sent.status} ${JSON.stringify(answer)}`);
        const handle = delivery(answer.logId);
        await handle.result();
        await recorder.record('delivery-test-send-closed', handle, 'COMPLETED', 'Send a test: a draft webhook sent once (target.test), answered 201; no retention');
      })(),

      // A bulk retry over two logs: one failed (retried, SUCCESS), one SUCCESS without force (refused).
      (async () => {
        const l = await lab();
        const path = `/${uniqueId('bulk')}`;
        receiver.on(path, { status: 503, body: 'busy' });
        await webhookIntegration(db, l, receiver.url(path));
        const [failed] = await harness.settledLogs(await emit(l, 1), 1);
        receiver.on(path, { status: 200, body: 'ok' });
        const [succeeded] = await harness.settledLogs(await emit(l, 1), 1);
        const started = await harness.request('POST', '/api/logs/retry', { ids: [failed!._id, succeeded!._id] });
        if (started.status !== 202) throw new Error(`bulk retry: ${started.status} ${JSON.stringify(started.body)}`);
        const bulk = client.workflow.getHandle(bulkRetryWorkflowId((started.body as { bulkId: string }).bulkId));
        const progress = (await bulk.result()) as BulkProgress;
        if (progress.succeeded !== 1 || progress.refused !== 1) throw new Error(`bulk retry progress ${JSON.stringify(progress)}`);
        await recorder.record('bulk-retry', bulk, 'COMPLETED', 'bulk retry of two ids: the failed one retried (SUCCESS), the SUCCESS one refused (no force)');
      })(),

      (async () => {
        const retention = await client.workflow.start(bodyRetentionWorkflow, { taskQueue, workflowId: uniqueId('body-retention'), args: [{}] });
        await retention.result();
        await recorder.record('body-retention', retention, 'COMPLETED', 'the body retention over a log store with nothing past LOG_BODY_RETENTION_DAYS: one page');
      })(),

      // An endpoint paused by an operator: a delivery waits in its flow workflow's queue, then goes on resume.
      (async () => {
        const l = await lab();
        // A receiver of its own: pausing an endpoint (host:port) holds every delivery to it.
        const partner = await new Receiver().start();
        const path = `/${uniqueId('paused')}`;
        partner.on(path, { status: 200, body: 'ok' });
        await webhookIntegration(db, l, partner.url(path));
        const endpoint = new URL(partner.url(path)).host;
        const control = async (action: 'pause' | 'resume') => {
          const answer = await harness.request('POST', `/api/endpoints/${action}`, { endpoint, reason: `recorded ${action}` });
          if (answer.status !== 202) throw new Error(`${action}: ${answer.status} ${JSON.stringify(answer.body)}`);
        };
        await control('pause');
        const flow = client.workflow.getHandle(endpointFlowWorkflowId(endpoint));
        await eventually(async () => (await flow.query(endpointFlowQuery)).paused !== undefined, 20_000);
        const eventId = await emit(l, 1);
        const handle = eventRun(l, eventId);
        const [log] = await eventually(async () => {
          const found = await harness.logsForEvent(eventId);
          return found.length === 1 ? found : undefined;
        }, 20_000);
        await phase(handle, log!._id, 'waiting-for-endpoint');
        await eventually(async () => (await flow.query(endpointFlowQuery)).waiting === 1, 20_000);
        await recorder.record('endpoint-flow-paused-with-waiter', flow, 'RUNNING', 'an endpoint paused by an operator (no probes), one delivery waiting in its queue');
        await recorder.record('event-waiting-for-endpoint', handle, 'RUNNING', 'an event whose endpoint is paused: its log pre-created QUEUED with the reason, the run waits for the endpoint to let it through');
        await control('resume');
        await harness.settledLogs(eventId, 1, 20_000);
        await handle.result();
        await recorder.record('event-let-through-by-endpoint', handle, 'COMPLETED', 'the endpoint resumed: its flow workflow let the delivery through (grant signal), SUCCESS, the run told the endpoint (done signal); closed');
        // Idle now: it closes after a minute without news.
        await flow.result();
        await recorder.record('endpoint-flow-resumed-closed', flow, 'COMPLETED', 'the endpoint resumed by an operator, its one waiting delivery let through and done; closed once idle');
        await partner.stop();
      })(),

      (async () => {
        const handle = await client.workflow.start(ping, { taskQueue, workflowId: uniqueId('ping'), args: ['hello'] });
        await handle.result();
        await recorder.record('ping', handle, 'COMPLETED', 'ping: one describeWorker activity');
      })(),
    ]);

    const manifest: Manifest = {
      recordedAt: new Date().toISOString(),
      workflowCode: workflowCodeVersion(),
      note: 'Recorded by scripts/record-histories.ts from synthetic test data; payloads decrypted (stored as the workflow saw them). Replayed by test/unit/replay.test.ts.',
      histories: recorder.entries.sort((a, b) => a.file.localeCompare(b.file)),
    };
    writeFileSync(join(folder, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    sayToStderr(`wrote ${recorder.entries.length} histories to ${folder}`);
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  } finally {
    await harness.services.logStore.db.dropDatabase().catch(() => undefined);
    await harness.stop();
    await Promise.all([receiver.stop(), mirth.stop()]);
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
