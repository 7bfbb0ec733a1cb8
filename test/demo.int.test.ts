import { and, eq, inArray } from 'drizzle-orm';
import pino from 'pino';
import { developerAuthentication, labIntegration } from '../src/db/schema';
import { DEMO_EVENTS } from '../src/demo/demo-events';
import { DEMO_PATHS, switchOffDemoIntegrations } from '../src/demo/demo-integrations';
import { REJECTED_CANCELLATION, startDemoPartner, type DemoPartner } from '../src/demo/demo-partner';
import type { LogDocument } from '../src/logstore/log-document';
import { eventDeliveriesQuery } from '../workflows/definitions';
import { eventually } from './support/fixtures';
import { Harness } from './support/harness';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';

/**
 * The demo partner of `labwire start` against the real stack: workers, the API (whose partner
 * route takes the courier's callbacks), Temporal and both stores. A lab of its own stands in for
 * lab 1001, so other test files' events never reach the demo's integrations.
 */
describe('the demo partner (labwire start)', () => {
  const harness = new Harness();
  let lab: LabFixture;
  let demo: DemoPartner | undefined;

  beforeAll(async () => {
    await harness.start();
    lab = await createLabFixture(harness.services.configStore.db);
  });
  afterAll(async () => {
    await demo?.stop();
    // The home collection waits an hour for its callback: end it rather than leave it on the shared test queue.
    for (const log of await harness.store.logs.find({ lab_id: lab.labId, status: 'QUEUED' }).toArray()) {
      await harness.services.temporal.workflow.getHandle(log.workflow_id!).terminate('end of test').catch(() => undefined);
    }
    await harness.stop();
  });

  function startDemo(): Promise<DemoPartner> {
    return startDemoPartner({
      db: harness.services.configStore.db,
      logs: harness.logs,
      emitter: { temporal: harness.services.temporal, sql: harness.services.configStore.sql, taskQueue: harness.config.temporal.taskQueue, startTimeoutMs: 5_000 },
      partnerApiUrl: harness.api.url,
      labId: lab.labId,
      entities: { patientId: lab.patientId, billId: lab.billId, reportId: lab.reportId },
      logger: pino({ level: 'silent' }),
    });
  }

  const deliveries = () => harness.store.logs.find({ lab_id: lab.labId, type: 'WEBHOOK' }).toArray();
  const one = (logs: LogDocument[], eventId: string, type: string) => {
    const found = logs.filter((log) => log.event_id === eventId && log.integration_type === type);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  async function demoRows() {
    const db = harness.services.configStore.db;
    const auths = await db.select().from(developerAuthentication).where(and(eq(developerAuthentication.labId, lab.labId), eq(developerAuthentication.developerId, demo!.integrations.developerId)));
    const triggers = await db.select().from(labIntegration).where(inArray(labIntegration.authId, auths.map((a) => a.id)));
    return { auths, triggers };
  }

  it('given a first start, its events end as SUCCESS webhooks, a Mirth SUCCESS with its HL7, an AE for Bill Cancelled, a FAIL, a courier callback and a QUEUED job; a retry of the FAIL succeeds', async () => {
    demo = await startDemo();
    expect(await demo.fireEvents()).toEqual({ fired: DEMO_EVENTS.length, alreadyThere: 0, problems: [] });

    // Eight deliveries; all but the home collection (its courier calls back in minutes) reach an outcome.
    const logs = await eventually(async () => {
      const found = await deliveries();
      const waiting = found.filter((log) => log.status === 'QUEUED');
      return found.length === 8 && waiting.length === 1 && waiting[0]!.event_id === 'demo-home-collection-scheduled' ? found : undefined;
    }, 30_000);

    for (const eventId of ['demo-bill-generated', 'demo-patient-registered', 'demo-report-submitted']) {
      expect(one(logs, eventId, 'webhook')).toMatchObject({ status: 'SUCCESS', response_status_code: 200, developer_name: 'Labwire Demo Partner' });
    }
    const hl7 = one(logs, 'demo-bill-generated', 'mirth');
    expect(hl7).toMatchObject({ status: 'SUCCESS', sent_to_mirth: true, fusion_log: 'Sent to Mirth' });
    expect(hl7.request?.body).toMatch(/^MSH\|\^~\\&\|LABWIRE\|[^\r]*\|ORM\^O01\^ORM_O01\|/);
    expect(hl7.request?.body?.split('\r').map((segment) => segment.slice(0, 3))).toEqual(['MSH', 'PID', 'ORC', 'OBR', 'ORC', 'OBR']);

    expect(one(logs, 'demo-bill-cancelled', 'mirth')).toMatchObject({ status: 'FAIL', sent_to_mirth: false, error_message: REJECTED_CANCELLATION });

    const failed = one(logs, 'demo-report-approved', 'webhook');
    expect(failed).toMatchObject({ status: 'FAIL', response_status_code: 503, error_message: 'demo partner unavailable' });
    expect(failed.attempts).toHaveLength(harness.config.delivery.webhookMaxAttempts);

    const pickup = one(logs, 'demo-sample-collected', 'async_vendor');
    expect(pickup).toMatchObject({ status: 'SUCCESS', response_body: expect.stringContaining('"trackingId":"DEMO-') });
    const callback = await harness.store.logs.findOne({ type: 'API', endpoint: `/partner/v1/callbacks/${pickup._id}` });
    expect(callback).toMatchObject({ response_status_code: 202, auth_id: demo.integrations.courierAuthId });

    const homeVisit = one(logs, 'demo-home-collection-scheduled', 'async_vendor');
    expect(homeVisit).toMatchObject({ status: 'QUEUED', response_status_code: 202 });
    const states = await harness.services.temporal.workflow.getHandle(homeVisit.workflow_id!).query(eventDeliveriesQuery);
    expect(states.find((d) => d.logId === homeVisit._id)?.phase).toBe('awaiting-callback');

    const retry = await harness.request('POST', `/api/logs/${failed._id}/retry?wait=true`, {});
    expect(retry.body).toMatchObject({ accepted: true, result: { status: 'SUCCESS' } });
    expect(await harness.logs.get(failed._id)).toMatchObject({ status: 'SUCCESS', retry_count: 1, response_status_code: 200, error_message: null });
  }, 60_000);

  it('given a restart, points the integrations at the new ports, adds no integration, trigger or event twice, and the new courier key calls back', async () => {
    const before = await demoRows();
    expect(before.auths.map((a) => a.integrationType).sort()).toEqual(['async_vendor', 'mirth', 'webhook']);
    expect(before.triggers).toHaveLength(8);
    const logsBefore = (await deliveries()).length;

    await demo!.stop();
    demo = await startDemo();
    expect(await demo.fireEvents()).toEqual({ fired: 0, alreadyThere: DEMO_EVENTS.length, problems: [] });

    const after = await demoRows();
    expect(after.auths.map((a) => a.id).sort()).toEqual(before.auths.map((a) => a.id).sort());
    expect(after.triggers.map((t) => t.id).sort()).toEqual(before.triggers.map((t) => t.id).sort());
    const webhook = after.auths.find((a) => a.integrationType === 'webhook')!;
    expect(webhook.url).toBe(`http://127.0.0.1:${demo.endpoints.httpPort}${DEMO_PATHS.orders}`);
    expect(after.auths.find((a) => a.integrationType === 'mirth')!.extraDetails).toMatchObject({ host: '127.0.0.1', port: demo.endpoints.mirthAcceptPort });
    const cancelTrigger = after.triggers.find((t) => t.actionCategoryId === 6)!;
    expect(cancelTrigger.integrationExtraDetails).toEqual({ port: demo.endpoints.mirthRejectPort });

    // A new pickup: the courier of this start calls back with the key issued on this start.
    const eventId = `demo-pickup-after-restart-${Date.now()}`;
    await harness.request('POST', '/api/events', { eventId, labId: lab.labId, actionCategoryId: 3, entity: { type: 'bill', id: lab.billId }, activityDate: new Date().toISOString() });
    const [pickup] = await harness.settledLogs(eventId, 1, 20_000);
    expect(pickup).toMatchObject({ status: 'SUCCESS', integration_type: 'async_vendor' });
    expect((await deliveries()).length).toBe(logsBefore + 1);
  }, 60_000);

  it('given LABWIRE_DEMO=false, switches its integrations off (once), so the lab events go nowhere dead', async () => {
    expect(await switchOffDemoIntegrations(harness.services.configStore.db, lab.labId)).toBe(3);
    expect((await demoRows()).auths.map((a) => a.isIntegrationEnable)).toEqual([false, false, false]);
    expect(await switchOffDemoIntegrations(harness.services.configStore.db, lab.labId)).toBe(0);
  });
});
