import { uniqueId, eventually } from './support/fixtures';
import { Harness } from './support/harness';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';

describe('partner API /partner/v1', () => {
  const harness = new Harness((config) => {
    config.partnerRateLimitPerMinute = 5;
  });
  let lab: LabFixture;
  let authKey: string;

  beforeAll(async () => {
    await harness.start({ workers: false });
  });
  afterAll(async () => {
    await harness.stop();
  });
  beforeEach(async () => {
    lab = await createLabFixture(harness.services.configStore.db);
    const created = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, integrationType: 'api', url: 'http://127.0.0.1:9/hook', integrations: [{ actionCategoryId: 1 }],
    });
    authKey = (created.body as { authKey: string }).authKey;
  });
  const auth = () => ({ authorization: `Bearer ${authKey}` });

  it("returns a bill's and a report's current data for the key's lab, and logs each call", async () => {
    const bill = await harness.request('GET', `/partner/v1/bills/${lab.billId}`, undefined, auth());
    expect(bill.status).toBe(200);
    expect(bill.body).toMatchObject({ type: 'bill', bill: { id: lab.billId, items: [{ testCode: 'CBC' }, { testCode: 'LFT' }] } });
    const report = await harness.request('GET', `/partner/v1/reports/${lab.reportId}`, undefined, auth());
    expect(report.body).toMatchObject({ type: 'report', report: { results: [{ testCode: 'HGB' }, { testCode: 'WBC', flag: 'H' }] } });
    const logs = await eventually(async () => {
      const found = await harness.store.logs.find({ type: 'API', lab_id: lab.labId }).toArray();
      return found.length === 2 ? found : undefined;
    });
    expect(logs.map((l) => l.response_status_code)).toEqual([200, 200]);
    expect(logs[0]).toMatchObject({ developer_id: lab.developerId, request: { method: 'GET' }, response_time: expect.any(Number) });
  });

  it('publishes its contract at /partner/v1/openapi.json: open, not logged as a call, built from the validators', async () => {
    const answer = await harness.anonymous().request('GET', '/partner/v1/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toBe('3.1.0');
    expect(Object.keys(answer.body.paths).sort()).toEqual(['/partner/v1/bills/{id}', '/partner/v1/callbacks/{logId}', '/partner/v1/events', '/partner/v1/reports/{id}']);
    expect(answer.body.components.securitySchemes).toEqual({ authKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    const callback = answer.body.paths['/partner/v1/callbacks/{logId}'].post;
    expect(callback.security).toEqual([{ authKey: [] }]);
    expect(callback.parameters).toEqual([expect.objectContaining({ name: 'logId', in: 'path', required: true })]);
    expect(callback.requestBody.content['application/json'].schema.properties.status.enum).toEqual(['SUCCESS', 'FAIL']);
    expect(Object.keys(callback.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '403', '404', '409', '429']));
    // The lab comes from the key, so an event's body has no labId.
    expect(answer.body.paths['/partner/v1/events'].post.requestBody.content['application/json'].schema.properties).not.toHaveProperty('labId');

    // A logged call made after it is recorded; the document's fetch is not.
    await harness.request('GET', `/partner/v1/bills/${lab.billId}`, undefined, auth());
    await eventually(() => harness.store.logs.findOne({ type: 'API', lab_id: lab.labId }).then((d) => d ?? undefined));
    expect(await harness.store.logs.countDocuments({ type: 'API', endpoint: '/partner/v1/openapi.json' })).toBe(0);
  });

  it("does not show another lab's data (404)", async () => {
    const other = await createLabFixture(harness.services.configStore.db);
    const response = await harness.request('GET', `/partner/v1/bills/${other.billId}`, undefined, auth());
    expect(response.status).toBe(404);
    expect(response.body.detail).toBe(`entity.id: bill ${other.billId} does not exist in lab ${lab.labId}`);
  });

  it('rejects a missing key with 401 naming the header, and a malformed id with 400 naming the field', async () => {
    const missing = await harness.request('GET', `/partner/v1/bills/${lab.billId}`);
    expect(missing.status).toBe(401);
    expect(missing.body.detail).toContain('Authorization: Bearer <authKey>');
    const malformed = await harness.request('GET', '/partner/v1/bills/abc', undefined, auth());
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([{ field: 'id', message: 'expected a positive whole number' }]);
  });

  it('accepts a business event for the lab of the key (lab taken from the key, not the body)', async () => {
    const eventId = uniqueId('evt');
    const response = await harness.request('POST', '/partner/v1/events', { eventId, actionCategoryId: 1, entity: { type: 'bill', id: lab.billId }, activityDate: '2026-11-26T12:00:00Z' }, auth());
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ ok: true, via: 'temporal' });
    expect(response.body.eventId).toMatch(new RegExp(`^partner-\\d+:${eventId}$`)); // the key's namespace
    const withLab = await harness.request('POST', '/partner/v1/events', { eventId: uniqueId('evt'), labId: 1, actionCategoryId: 1, entity: { type: 'bill', id: 1 }, activityDate: '2026-11-26T12:00:00Z' }, auth());
    expect(withLab.status).toBe(400);
    expect(withLab.body.detail).toContain('labId');
  });

  it('answers 429 past the per-key rate limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await harness.request('GET', `/partner/v1/bills/${lab.billId}`, undefined, auth())).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });
});
