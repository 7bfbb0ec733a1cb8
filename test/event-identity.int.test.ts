import postgres from 'postgres';
import { emitBusinessEvent, enqueueBusinessEvent, lazyTemporalClient } from '../src/client/emitter';
import { billItems, bills, organisations } from '../src/db/schema';
import { eventWorkflowId } from '../src/events/business-event';
import { eventually, testConfig, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';

/** Event identity is scoped by lab; a repeat is compared with the event first received; an event's entity must exist. */
describe('event identity and references', () => {
  const harness = new Harness();
  const receiver = new Receiver();
  // The lab backend's own pool, as in outbox.int.test.ts.
  const sql = postgres(testConfig().postgres.url, { max: 2, onnotice: () => undefined });

  beforeAll(async () => {
    await receiver.start();
    await harness.start();
  });
  afterAll(async () => {
    await harness.stop();
    await receiver.stop();
    await sql.end();
  });

  const unreachableTemporal = () => lazyTemporalClient('127.0.0.1:1', harness.config.temporal.namespace, harness.config.temporal.payloadKeys);

  /** A lab with one webhook integration on Bill Generated, answering 200 on its own receiver path. */
  async function labWithWebhook(): Promise<{ lab: LabFixture; path: string }> {
    const lab = await createLabFixture(harness.services.configStore.db);
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, { status: 200 });
    await webhookIntegration(harness.services.configStore.db, lab, receiver.url(path));
    return { lab, path };
  }

  describe('two labs may use the same event id', () => {
    it('given lab A and lab B emit the same eventId over the API, both are started (202) and both partners receive their delivery', async () => {
      const a = await labWithWebhook();
      const b = await labWithWebhook();
      const eventId = uniqueId('shared');

      const first = await harness.request('POST', '/api/events', billEvent(a.lab, eventId));
      const second = await harness.request('POST', '/api/events', billEvent(b.lab, eventId));

      expect([first.status, second.status]).toEqual([202, 202]);
      expect(second.body).toMatchObject({ ok: true, duplicate: false, workflowId: eventWorkflowId({ labId: b.lab.labId, eventId }) });
      const logs = await harness.settledLogs(eventId, 2);
      expect(logs.map((log) => [log.lab_id, log.status]).sort()).toEqual([[a.lab.labId, 'SUCCESS'], [b.lab.labId, 'SUCCESS']].sort());
      expect(receiver.requestsTo(a.path)).toHaveLength(1);
      expect(receiver.requestsTo(b.path)).toHaveLength(1);
      expect(JSON.parse(receiver.requestsTo(b.path)[0]!.body)).toMatchObject({ eventId, labId: b.lab.labId });
    });

    it('given Temporal is unreachable, both labs’ events wait in the outbox under the same eventId and both are relayed and delivered', async () => {
      const a = await labWithWebhook();
      const b = await labWithWebhook();
      const eventId = uniqueId('shared');
      const deadTemporal = unreachableTemporal();
      const emitter = { temporal: deadTemporal, sql, taskQueue: harness.config.temporal.taskQueue, startTimeoutMs: 500 };
      try {
        const results = [await emitBusinessEvent(emitter, billEvent(a.lab, eventId)), await emitBusinessEvent(emitter, billEvent(b.lab, eventId))];
        expect(results).toEqual([
          expect.objectContaining({ ok: true, via: 'outbox', duplicate: false }),
          expect.objectContaining({ ok: true, via: 'outbox', duplicate: false }),
        ]);
      } finally {
        await deadTemporal.connection.close().catch(() => undefined);
      }

      await harness.settledLogs(eventId, 2);
      expect(receiver.requestsTo(a.path)).toHaveLength(1);
      expect(receiver.requestsTo(b.path)).toHaveLength(1);
      expect(await sql`select lab_id from event_outbox where event_id = ${eventId} order by lab_id`).toEqual([{ lab_id: a.lab.labId }, { lab_id: b.lab.labId }]);
    });

    it("given lab B enqueues (in its own transaction) an eventId lab A already enqueued, B's event is kept and delivered too", async () => {
      const a = await labWithWebhook();
      const b = await labWithWebhook();
      const eventId = uniqueId('shared');

      expect(await enqueueBusinessEvent(sql, billEvent(a.lab, eventId))).toMatchObject({ ok: true, via: 'outbox', duplicate: false });
      expect(await enqueueBusinessEvent(sql, billEvent(b.lab, eventId))).toMatchObject({ ok: true, via: 'outbox', duplicate: false });

      await harness.settledLogs(eventId, 2);
      expect(receiver.requestsTo(b.path)).toHaveLength(1);
    });
  });

  it("given Temporal is unreachable, the API's own pool (shared with drizzle) writes the outbox too", async () => {
    const { lab, path } = await labWithWebhook();
    const eventId = uniqueId('evt');
    const deadTemporal = unreachableTemporal();
    try {
      const emitter = { temporal: deadTemporal, sql: harness.services.configStore.sql, taskQueue: harness.config.temporal.taskQueue, startTimeoutMs: 500 };
      expect(await emitBusinessEvent(emitter, billEvent(lab, eventId))).toMatchObject({ ok: true, via: 'outbox' });
    } finally {
      await deadTemporal.connection.close().catch(() => undefined);
    }
    await harness.settledLogs(eventId, 1);
    expect(receiver.requestsTo(path)).toHaveLength(1);
  });

  describe('a repeated event id within one lab', () => {
    async function secondBill(lab: LabFixture): Promise<number> {
      const [bill] = await harness.services.configStore.db.insert(bills).values({ labId: lab.labId, patientId: lab.patientId, billNumber: uniqueId('B') }).returning();
      await harness.services.configStore.db.insert(billItems).values({ billId: bill!.id, testCode: 'TSH', testName: 'Thyroid', price: 400 });
      return bill!.id;
    }

    it('with the same payload is 200 duplicate (the date may be written differently); with a different entity it is 409 naming entity.id, and nothing more is sent', async () => {
      const { lab, path } = await labWithWebhook();
      const otherBill = await secondBill(lab);
      const eventId = uniqueId('evt');
      const event = { ...billEvent(lab, eventId), activityDate: '2026-11-26T10:00:00Z' };

      expect((await harness.request('POST', '/api/events', event)).status).toBe(202);
      const same = await harness.request('POST', '/api/events', { ...event, activityDate: '2026-11-26T10:00:00.000+00:00' });
      const different = await harness.request('POST', '/api/events', { ...event, entity: { type: 'bill', id: otherBill } });

      expect(same.status).toBe(200);
      expect(same.body).toMatchObject({ ok: true, duplicate: true });
      expect(different.status).toBe(409);
      expect(different.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(different.body.errors).toEqual([{ field: 'entity.id', message: `differs from event ${eventId} already received for lab ${lab.labId}` }]);
      expect(different.body.detail).toContain('entity.id');
      await harness.settledLogs(eventId, 1);
      expect(receiver.requestsTo(path)).toHaveLength(1);
    });

    it('through the partner API, a different action under a used id is 409 naming actionCategoryId', async () => {
      const { lab } = await labWithWebhook();
      const created = await harness.request('POST', '/api/integrations', {
        labId: lab.labId, developerId: lab.developerId, integrationType: 'api', url: 'http://127.0.0.1:9/hook', integrations: [{ actionCategoryId: 2 }],
      });
      const auth = { authorization: `Bearer ${(created.body as { authKey: string }).authKey}` };
      const eventId = uniqueId('evt');
      const { labId: _labId, ...event } = billEvent(lab, eventId);

      expect((await harness.request('POST', '/partner/v1/events', event, auth)).status).toBe(202);
      const different = await harness.request('POST', '/partner/v1/events', { ...event, actionCategoryId: 2 }, auth);

      expect(different.status).toBe(409);
      expect(different.body.errors.map((e: { field: string }) => e.field)).toEqual(['actionCategoryId']);
    });

    it('in the outbox: the same event is a duplicate, a different one is refused naming the field; a conflicting row the relay meets is not started', async () => {
      const { lab, path } = await labWithWebhook();
      const otherBill = await secondBill(lab);
      const eventId = uniqueId('evt');
      const event = billEvent(lab, eventId);

      expect(await enqueueBusinessEvent(sql, event)).toMatchObject({ ok: true, duplicate: false });
      expect(await enqueueBusinessEvent(sql, event)).toMatchObject({ ok: true, via: 'outbox', duplicate: true });
      const different = await enqueueBusinessEvent(sql, { ...event, entity: { type: 'bill', id: otherBill } });
      expect(different).toMatchObject({ ok: false, reason: 'conflict', eventId, problems: [{ field: 'entity.id' }] });
      await harness.settledLogs(eventId, 1);

      // Started straight in Temporal; then a different event under the same id reaches the outbox (e.g. written while Temporal was down).
      const raced = uniqueId('evt');
      expect((await harness.request('POST', '/api/events', billEvent(lab, raced))).status).toBe(202);
      expect(await enqueueBusinessEvent(sql, { ...billEvent(lab, raced), entity: { type: 'bill', id: otherBill } })).toMatchObject({ ok: true, via: 'outbox' });
      const [row] = await eventually(async () => {
        const rows = await sql<{ dispatched_at: Date | null; last_error: string | null }[]>`select dispatched_at, last_error from event_outbox where lab_id = ${lab.labId} and event_id = ${raced}`;
        return rows[0]?.dispatched_at ? rows : undefined;
      });
      expect(row?.last_error).toContain('entity.id');
      await harness.settledLogs(raced, 1);
      expect(receiver.requestsTo(path)).toHaveLength(2);
    });
  });

  describe("an event's entity must exist in its lab (and organisation)", () => {
    async function expectNothingStarted(labId: number, eventId: string): Promise<void> {
      await expect(harness.services.temporal.workflow.getHandle(eventWorkflowId({ labId, eventId })).describe()).rejects.toThrow();
      expect(await sql`select 1 from event_outbox where event_id = ${eventId}`).toHaveLength(0);
      expect(await harness.logsForEvent(eventId)).toHaveLength(0);
    }

    it.each([
      ['an unknown bill', (_other: LabFixture) => ({ type: 'bill' as const, id: 99_999_999 })],
      ["another lab's report", (other: LabFixture) => ({ type: 'report' as const, id: other.reportId })],
      ["another lab's patient", (other: LabFixture) => ({ type: 'patient' as const, id: other.patientId })],
    ])('POST /api/events with %s → 404 naming entity.id; nothing started, no log written', async (_name, entityOf) => {
      const { lab, path } = await labWithWebhook();
      const other = await createLabFixture(harness.services.configStore.db);
      const event = { ...billEvent(lab, uniqueId('evt')), entity: entityOf(other) };

      const response = await harness.request('POST', '/api/events', event);

      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.errors).toEqual([{ field: 'entity.id', message: `${event.entity.type} ${event.entity.id} does not exist in lab ${lab.labId}` }]);
      await expectNothingStarted(lab.labId, event.eventId);
      expect(receiver.requestsTo(path)).toHaveLength(0);
    });

    it('POST /partner/v1/events with an unknown entity → 404 naming entity.id, as its OpenAPI says; nothing started', async () => {
      const { lab } = await labWithWebhook();
      const created = await harness.request('POST', '/api/integrations', {
        labId: lab.labId, developerId: lab.developerId, integrationType: 'api', url: 'http://127.0.0.1:9/hook', integrations: [{ actionCategoryId: 2 }],
      });
      const auth = { authorization: `Bearer ${(created.body as { authKey: string }).authKey}` };
      const eventId = uniqueId('evt');

      const response = await harness.request('POST', '/partner/v1/events', { eventId, actionCategoryId: 1, entity: { type: 'bill', id: 99_999_999 }, activityDate: '2026-11-26T12:00:00Z' }, auth);

      expect(response.status).toBe(404);
      expect(response.body.errors).toEqual([{ field: 'entity.id', message: `bill 99999999 does not exist in lab ${lab.labId}` }]);
      await expectNothingStarted(lab.labId, eventId);
      const contract = await harness.anonymous().request('GET', '/partner/v1/openapi.json');
      expect(Object.keys(contract.body.paths['/partner/v1/events'].post.responses)).toEqual(expect.arrayContaining(['200', '202', '404', '409']));
    });

    it('an organisation outside the lab → 404 naming orgId; a bill of another organisation of the lab → 404 naming entity.id', async () => {
      const { lab } = await labWithWebhook();
      const other = await createLabFixture(harness.services.configStore.db);
      const db = harness.services.configStore.db;
      const [foreignOrg] = await db.insert(organisations).values({ labId: other.labId, name: uniqueId('Org') }).returning();
      const [orgA] = await db.insert(organisations).values({ labId: lab.labId, name: uniqueId('Org') }).returning();
      const [orgB] = await db.insert(organisations).values({ labId: lab.labId, name: uniqueId('Org') }).returning();
      const [billOfB] = await db.insert(bills).values({ labId: lab.labId, orgId: orgB!.id, patientId: lab.patientId, billNumber: uniqueId('B') }).returning();

      const outside = await harness.request('POST', '/api/events', { ...billEvent(lab, uniqueId('evt')), orgId: foreignOrg!.id });
      const wrongOrg = await harness.request('POST', '/api/events', { ...billEvent(lab, uniqueId('evt')), orgId: orgA!.id, entity: { type: 'bill', id: billOfB!.id } });
      const rightOrg = await harness.request('POST', '/api/events', { ...billEvent(lab, uniqueId('evt')), orgId: orgB!.id, entity: { type: 'bill', id: billOfB!.id } });

      expect(outside.status).toBe(404);
      expect(outside.body.errors.map((e: { field: string }) => e.field)).toEqual(['orgId']);
      expect(wrongOrg.status).toBe(404);
      expect(wrongOrg.body.errors).toEqual([{ field: 'entity.id', message: `bill ${billOfB!.id} does not exist in organisation ${orgA!.id} of lab ${lab.labId}` }]);
      expect(rightOrg.status).toBe(202);
    });

    it('lists the 404 and 409 answers in the operator OpenAPI document', async () => {
      const document = await harness.request('GET', '/api/openapi.json');
      expect(Object.keys(document.body.paths['/api/events'].post.responses)).toEqual(expect.arrayContaining(['200', '202', '400', '404', '409', '503']));
    });
  });
});
