import { bodyRetentionWorkflow } from '../workflows/body-retention';
import { ping } from '../workflows/ping';
import { stepNames, steps } from '../workflows/step-names';
import { sweepWorkflow } from '../workflows/sweep';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { createLabFixture } from './support/lab-fixtures';
import { startWithPartners } from './support/partners';
import { temporalCli, workflowShow } from './support/temporal-cli';

/** A payload as `temporal workflow show --output json` prints it: metadata values and data in base64. */
interface ShownPayload {
  metadata?: Record<string, string>;
  data?: string;
}

interface ShownEvent {
  eventId: string;
  eventType: string;
  userMetadata?: { summary?: ShownPayload };
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: ShownPayload[] }> };
}

const base64 = (text?: string) => Buffer.from(text ?? '', 'base64').toString('utf8');

/** What anyone reading the JSON sees of a payload without the key: its value if it is plain JSON, else undefined. */
function plainValue(payload: ShownPayload | undefined): unknown {
  if (!payload || base64(payload.metadata?.encoding) !== 'json/plain') return undefined;
  return JSON.parse(base64(payload.data));
}

/** The step events: every activity scheduled, local activity recorded (marker) and timer started; the JSON's name → the text's. */
const STEP_EVENTS: Record<string, string> = {
  EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: 'ActivityTaskScheduled',
  EVENT_TYPE_MARKER_RECORDED: 'MarkerRecorded',
  EVENT_TYPE_TIMER_STARTED: 'TimerStarted',
};

/** The activity type of a scheduled activity, or of a local activity from its marker's data (plain, written by the SDK after the codec). */
function activityTypeOf(event: ShownEvent): string | undefined {
  const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
  if (scheduled) return scheduled;
  const data = plainValue(event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]) as { activity_type?: string; activityType?: string } | undefined;
  return data?.activity_type ?? data?.activityType;
}

/** The SDK's own record that a run took a patched branch (workflows/patches.ts): not a step. */
const isPatchMarker = (event: ShownEvent) => event.markerRecordedEventAttributes?.markerName === 'core_patch';

/** Each step event of a history as [event type, step name read without the key, activity type]. */
async function stepsShown(harness: Harness, workflowId: string): Promise<Array<[string, unknown, string | undefined]>> {
  const { events } = JSON.parse(await workflowShow(harness, workflowId)) as { events: ShownEvent[] };
  return events.filter((e) => e.eventType in STEP_EVENTS && !isPatchMarker(e)).map((e) => [e.eventType, plainValue(e.userMetadata?.summary), activityTypeOf(e)]);
}

/**
 * `temporal workflow show --detailed` (text): one section per event headed `--- [5] MarkerRecorded ---`,
 * then `field: value` per line, plain JSON payloads printed as their value. Returns each step
 * section's event type with its `userMetadata.summary` line.
 */
async function detailedSummaries(harness: Harness, workflowId: string): Promise<Array<[string, string | undefined]>> {
  const text = await temporalCli(harness, ['workflow', 'show', '--workflow-id', workflowId, '--detailed']);
  const sections = text.split(/\n(?=-+ \[\d+\] )/);
  return sections
    .filter((section) => !/^markerRecordedEventAttributes\.markerName\s*: ?core_patch$/m.test(section) && !/markerName: core_patch/.test(section))
    .map((section): [string, string | undefined] => [/^-+ \[\d+\] (\w+) -+$/m.exec(section)?.[1] ?? '', /^userMetadata\.summary: (.*)$/m.exec(section)?.[1]])
    .filter(([type]) => Object.values(STEP_EVENTS).includes(type));
}

function sessionToken(cookie: Record<string, string>): string {
  const token = /labwire_session=([^;]+)/.exec(cookie.cookie ?? '')?.[1];
  if (!token) throw new Error('no session cookie');
  return token;
}

describe('step names in `temporal workflow show` and current details', () => {
  const harness = new Harness();
  const partners = startWithPartners(harness);
  const { receiver } = partners;

  /** Every step event of a history names its step, and the name begins with the event's activity type. */
  async function expectEveryStepNamed(workflowId: string): Promise<Array<string | undefined>> {
    const shown = await stepsShown(harness, workflowId);
    for (const [, name, activityType] of shown) {
      expect(stepNames).toContain(name);
      if (activityType) expect(name).toMatch(new RegExp(`^${activityType} · `));
    }
    return shown.map(([, , activityType]) => activityType);
  }

  it('a webhook and a Mirth delivery: `temporal workflow show` names every activity, local activity and timer without the codec; current details read through the codec give log id, status and phase', async () => {
    // Given a lab with a webhook and a Mirth integration for one action
    const lab = await createLabFixture(harness.services.configStore.db);
    const path = `/${uniqueId('steps')}`;
    receiver.on(path, { status: 200, body: '{"ok":true}' });
    for (const integration of [
      { integrationType: 'webhook', url: receiver.url(path), requestType: 1 },
      { integrationType: 'mirth', payloadType: 'ORM', extraDetails: { host: '127.0.0.1', port: partners.mirthPort } },
    ]) {
      const created = await harness.request('POST', '/api/integrations', { labId: lab.labId, developerId: lab.developerId, integrations: [{ actionCategoryId: 1 }], ...integration });
      expect(created.status).toBe(201);
    }

    // When an event is delivered to both
    const eventId = uniqueId('evt');
    const emitted = await harness.request('POST', '/api/events', { eventId, labId: lab.labId, actionCategoryId: 1, entity: { type: 'bill', id: lab.billId }, activityDate: new Date().toISOString() });
    expect(emitted.status).toBe(202);
    const logs = await harness.settledLogs(eventId, 2);
    expect(logs.map((l) => l.status)).toEqual(['SUCCESS', 'SUCCESS']);
    const webhook = logs.find((l) => l.integration_type === 'webhook')!;
    const mirth = logs.find((l) => l.integration_type === 'mirth')!;

    // Then the event's own workflow ran both: the logs name it
    const workflowId = `event-${lab.labId}-${eventId}`;
    expect([webhook.workflow_id, mirth.workflow_id]).toEqual([workflowId, workflowId]);
    // and its JSON history, read without the key, names each step, each name starting with its activity type:
    // the logs pre-created first, then one send-and-record per integration (in the order they finished)
    const shown = await stepsShown(harness, workflowId);
    expect(shown[0]).toEqual(['EVENT_TYPE_MARKER_RECORDED', steps.prepareDeliveries, 'prepareDeliveries']);
    const sends: Array<[string, string, string]> = [
      ['EVENT_TYPE_MARKER_RECORDED', steps.sendAndRecordWebhook, 'sendAndRecordWebhook'],
      ['EVENT_TYPE_MARKER_RECORDED', steps.sendAndRecordHl7, 'sendAndRecordHl7'],
    ];
    expect(shown.slice(1)).toHaveLength(2);
    expect(shown.slice(1)).toEqual(expect.arrayContaining(sends));
    await expectEveryStepNamed(workflowId);
    // And the text form an engineer reads (`--detailed`) prints the same name under each step's event
    expect(await detailedSummaries(harness, workflowId)).toEqual(shown.map(([type, name]) => [STEP_EVENTS[type], name]));

    // And the dashboard's timeline names the local activities too, for a viewer as well (no decoding)
    const viewer = await harness.as('viewer');
    const timeline = await viewer.request('GET', `/api/logs/${webhook._id}/history`);
    expect(timeline.status).toBe(200);
    const lines = (timeline.body as { events: Array<{ summary: string }> }).events.map((e) => e.summary);
    expect(lines).toEqual(expect.arrayContaining(['prepareDeliveries (local activity) completed', 'sendAndRecordWebhook (local activity) completed']));

    // And the current details are encrypted in Temporal: without the codec the log id is nowhere in them
    const operator = await harness.as('operator');
    const codec = { endpoint: `${harness.api.url}/api/temporal-codec`, auth: `Bearer ${sessionToken(await operator.cookieHeader())}` };
    for (const log of [webhook, mirth]) {
      const raw = await temporalCli(harness, ['workflow', 'metadata', '--workflow-id', log.workflow_id!, '--output', 'json']);
      expect(raw).not.toContain(log._id);
      expect(base64(/"data":\s*"([^"]+)"/.exec(raw)?.[1])).not.toContain(log._id);
      // Through the codec endpoint (as the Web UI and `--codec-endpoint` read them): log id, status and phase
      const decoded = await temporalCli(harness, ['workflow', 'metadata', '--workflow-id', log.workflow_id!], codec);
      const details = new RegExp(`^log ${log._id} · SUCCESS · done$`, 'm');
      expect(/^\s*Current Details:\n([\s\S]*)$/m.exec(decoded)?.[1]).toMatch(details);
      const metadata = await harness.services.temporal.workflow.getHandle(log.workflow_id!).query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      expect(metadata.currentDetails).toMatch(new RegExp(`^event ${eventId} of lab ${lab.labId}$`, 'm'));
      expect(metadata.currentDetails).toMatch(details);
    }
  });
  it('the sweep, a bulk retry (and the retries it asks for), the body retention and ping name every step too', async () => {
    // Given a lab with one delivered webhook log
    const lab = await createLabFixture(harness.services.configStore.db);
    const path = `/${uniqueId('steps-more')}`;
    receiver.on(path, { status: 200, body: '{"ok":true}' });
    expect((await harness.request('POST', '/api/integrations', { labId: lab.labId, developerId: lab.developerId, integrations: [{ actionCategoryId: 1 }], integrationType: 'webhook', url: receiver.url(path), requestType: 1 })).status).toBe(201);
    const eventId = uniqueId('evt');
    expect((await harness.request('POST', '/api/events', { eventId, labId: lab.labId, actionCategoryId: 1, entity: { type: 'bill', id: lab.billId }, activityDate: new Date().toISOString() })).status).toBe(202);
    const [log] = await harness.settledLogs(eventId, 1);

    // When each maintenance workflow runs once, and a forced bulk retry resends the log
    const { taskQueue } = harness.config.temporal;
    const client = harness.services.temporal.workflow;
    const sweepId = uniqueId('sweep');
    await client.execute(sweepWorkflow, { taskQueue, workflowId: sweepId, args: [{ from: new Date(Date.now() - 60_000).toISOString(), to: new Date().toISOString() }] });
    const retentionId = uniqueId('body-retention');
    await client.execute(bodyRetentionWorkflow, { taskQueue, workflowId: retentionId, args: [{ pageSize: 1 }] });
    const pingId = uniqueId('ping');
    await client.execute(ping, { taskQueue, workflowId: pingId, args: ['steps'] });
    const bulk = await harness.request('POST', '/api/logs/retry', { filter: { labId: lab.labId, status: ['SUCCESS'] }, force: true, concurrency: 1 });
    expect(bulk.status).toBe(202);
    await eventually(async () => ((await harness.request('GET', `/api/bulk-retries/${bulk.body.bulkId}`)).body as { state?: string }).state === 'done', 20_000);

    // Then every scheduled activity, local activity and timer in their histories has its name
    // (in the full suite, other files' failed logs of the last minute are retried by the sweep, and
    // logs they backdated may give the retention more pages: those steps must be named too)
    const sweepSteps = await expectEveryStepNamed(sweepId);
    expect(sweepSteps[0]).toBe('findSweepPage');
    for (const step of sweepSteps) expect(['findSweepPage', 'autoRetry']).toContain(step);
    const retentionSteps = await expectEveryStepNamed(retentionId);
    expect(retentionSteps.length).toBeGreaterThan(0);
    for (const step of retentionSteps) expect(step).toBe('removeExpiredBodies');
    expect(await expectEveryStepNamed(pingId)).toEqual(['describeWorker']);
    expect(await expectEveryStepNamed(bulk.body.workflowId)).toEqual(['countBulkSelection', 'findBulkPage', 'bulkRetryOne']);
    // and the bulk retry's current details give its progress
    const bulkDetails = await client.getHandle(bulk.body.workflowId).query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(bulkDetails.currentDetails).toBe(`bulk retry ${bulk.body.bulkId} · done · 1 of 1 done (1 succeeded, 0 failed, 0 refused)`);
    // and the retry, in a run of the event workflow that the bulk retry's update reopened, sends and records under its name
    expect(await expectEveryStepNamed(log!.workflow_id!)).toEqual(['sendAndRecordWebhook']);
  });
});
