import { billItems, bills, organisations, reports } from '../src/db/schema';
import { eventWorkflowId } from '../src/events/business-event';
import { uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';

/** Partner keys reach what their organisation and integration type need, nothing more. */
describe('partner API scopes', () => {
  const harness = new Harness();
  let lab: LabFixture;
  let orgA: number;
  let orgB: number;
  let billOfA: number;
  let billOfB: number;
  let reportOfB: number;

  beforeAll(async () => {
    await harness.start({ workers: false });
  });
  afterAll(async () => {
    await harness.stop();
  });
  beforeEach(async () => {
    const db = harness.services.configStore.db;
    lab = await createLabFixture(db);
    const orgBill = async (orgId: number) => {
      const [bill] = await db.insert(bills).values({ labId: lab.labId, orgId, patientId: lab.patientId, billNumber: uniqueId('B') }).returning();
      await db.insert(billItems).values({ billId: bill!.id, testCode: 'CBC', testName: 'Complete Blood Count', price: 350 });
      return bill!.id;
    };
    [orgA, orgB] = await Promise.all(
      ['A', 'B'].map(async (name) => (await db.insert(organisations).values({ labId: lab.labId, name: uniqueId(`Org ${name}`) }).returning())[0]!.id),
    ) as [number, number];
    billOfA = await orgBill(orgA);
    billOfB = await orgBill(orgB);
    const [report] = await db.insert(reports).values({ labId: lab.labId, orgId: orgB, patientId: lab.patientId, billId: billOfB }).returning();
    reportOfB = report!.id;
  });

  async function keyFor(integration: Record<string, unknown>): Promise<Record<string, string>> {
    const created = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, url: 'http://127.0.0.1:9/hook', integrations: [{ actionCategoryId: 1 }], ...integration,
    });
    expect(created.status).toBe(201);
    return { authorization: `Bearer ${(created.body as { authKey: string }).authKey}` };
  }
  const orgKey = () => keyFor({ integrationType: 'api', isOrg: true, orgId: orgA });
  const event = (entity: { type: string; id: number }, extra: Record<string, unknown> = {}) => ({
    eventId: uniqueId('evt'), actionCategoryId: 1, entity, activityDate: '2026-11-26T12:00:00Z', ...extra,
  });

  describe('a key bound to an organisation', () => {
    it("reads its organisation's bill (200); another organisation's bill or report, or the lab's own bill, is 404 exactly as an unknown id", async () => {
      const auth = await orgKey();

      const own = await harness.request('GET', `/partner/v1/bills/${billOfA}`, undefined, auth);
      const otherOrg = await harness.request('GET', `/partner/v1/bills/${billOfB}`, undefined, auth);
      const otherOrgReport = await harness.request('GET', `/partner/v1/reports/${reportOfB}`, undefined, auth);
      const labOwn = await harness.request('GET', `/partner/v1/bills/${lab.billId}`, undefined, auth);
      const unknown = await harness.request('GET', '/partner/v1/bills/99999999', undefined, auth);

      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ type: 'bill', bill: { id: billOfA, orgId: orgA } });
      for (const [answer, what] of [[otherOrg, `bill ${billOfB}`], [otherOrgReport, `report ${reportOfB}`], [labOwn, `bill ${lab.billId}`], [unknown, 'bill 99999999']] as const) {
        expect(answer.status).toBe(404);
        expect(answer.body).toMatchObject({ detail: `entity.id: ${what} does not exist in lab ${lab.labId}`, errors: [{ field: 'entity.id' }] });
      }
    });

    it('emits for its organisation (orgId filled in when omitted); naming another organisation is 403 naming orgId; a bill of another organisation is 404', async () => {
      const auth = await orgKey();

      const omitted = await harness.request('POST', '/partner/v1/events', event({ type: 'bill', id: billOfA }), auth);
      const otherOrg = await harness.request('POST', '/partner/v1/events', event({ type: 'bill', id: billOfB }, { orgId: orgB }), auth);
      const otherOrgsBill = await harness.request('POST', '/partner/v1/events', event({ type: 'bill', id: billOfB }), auth);

      expect(omitted.status).toBe(202);
      const started = await harness.services.temporal.workflow.getHandle(eventWorkflowId({ labId: lab.labId, eventId: omitted.body.eventId as string })).describe();
      expect(started.memo?.event).toMatchObject({ labId: lab.labId, orgId: orgA });
      expect(otherOrg.status).toBe(403);
      expect(otherOrg.body.errors).toEqual([{ field: 'orgId', message: `this auth key emits only for organisation ${orgA}` }]);
      expect(otherOrgsBill.status).toBe(404);
      expect(otherOrgsBill.body.errors.map((e: { field: string }) => e.field)).toEqual(['entity.id']);
    });

    it('may not emit a patient event (patients belong to the whole lab): 403 naming entity.type', async () => {
      const auth = await orgKey();

      const answer = await harness.request('POST', '/partner/v1/events', event({ type: 'patient', id: lab.patientId }), auth);

      expect(answer.status).toBe(403);
      expect(answer.body.errors).toEqual([{ field: 'entity.type', message: expect.stringContaining('patients belong to the whole lab') }]);
    });
  });

  describe("a partner's event ids", () => {
    it("live in its key's namespace: a partner cannot claim an id the lab uses later, and its own repeat is still a duplicate", async () => {
      const auth = await keyFor({ integrationType: 'api' });
      const eventId = uniqueId('bill-generated');

      const claimed = await harness.request('POST', '/partner/v1/events', { ...event({ type: 'bill', id: billOfA }), eventId }, auth);
      const repeated = await harness.request('POST', '/partner/v1/events', { ...event({ type: 'bill', id: billOfA }), eventId }, auth);
      const labsOwn = await harness.request('POST', '/api/events', { ...event({ type: 'bill', id: lab.billId }), eventId, labId: lab.labId });

      expect(claimed.status).toBe(202);
      expect(claimed.body.eventId).toMatch(new RegExp(`^partner-\\d+:${eventId}$`));
      expect(repeated.status).toBe(200);
      expect(repeated.body).toMatchObject({ duplicate: true, eventId: claimed.body.eventId });
      expect(labsOwn.status).toBe(202);
      expect(labsOwn.body).toMatchObject({ eventId, duplicate: false });
    });

    it('are at most 180 characters, leaving room for the namespace: 400 naming eventId', async () => {
      const auth = await keyFor({ integrationType: 'api' });

      const answer = await harness.request('POST', '/partner/v1/events', { ...event({ type: 'bill', id: lab.billId }), eventId: 'e'.repeat(181) }, auth);

      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([{ field: 'eventId', message: 'must be at most 180 characters' }]);
    });
  });

  it("a key of the whole lab still reads every organisation's bills and the lab's own", async () => {
    const auth = await keyFor({ integrationType: 'webhook' });
    for (const id of [billOfA, billOfB, lab.billId]) {
      expect((await harness.request('GET', `/partner/v1/bills/${id}`, undefined, auth)).status).toBe(200);
    }
  });

  it('a Mirth key (HL7 over MLLP: its ACK needs no partner API) may neither read data nor emit events: 403', async () => {
    const auth = await keyFor({ integrationType: 'mirth', payloadType: 'ADT', extraDetails: { host: '127.0.0.1', port: 6661 } });

    const bill = await harness.request('GET', `/partner/v1/bills/${lab.billId}`, undefined, auth);
    const report = await harness.request('GET', `/partner/v1/reports/${lab.reportId}`, undefined, auth);
    const emitted = await harness.request('POST', '/partner/v1/events', event({ type: 'bill', id: lab.billId }), auth);

    expect([bill.status, report.status, emitted.status]).toEqual([403, 403, 403]);
    expect(bill.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(bill.body.detail).toBe("The key of a mirth integration may not read the lab's bills and reports.");
    expect(emitted.body.detail).toBe('The key of a mirth integration may not emit business events.');
  });

  it('documents the 403 and 404 answers in the partner OpenAPI document', async () => {
    const contract = await harness.anonymous().request('GET', '/partner/v1/openapi.json');
    expect(contract.body.paths['/partner/v1/bills/{id}'].get.responses['403'].description).toContain('Mirth');
    expect(contract.body.paths['/partner/v1/bills/{id}'].get.responses['404'].description).toContain("key's organisation");
    expect(contract.body.paths['/partner/v1/events'].post.responses['403'].description).toContain('another organisation');
  });
});
