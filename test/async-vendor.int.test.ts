import { eventDeliveriesQuery } from '../workflows/definitions';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';

describe('async vendors: submit, then wait for the callback', () => {
  // A callback timeout the tests cannot run into by being slow; the timeout's own test sets 3 s on its integration.
  const harness = new Harness((c) => {
    c.delivery.asyncCallbackTimeoutMs = 60_000;
  });
  const vendor = new Receiver();
  let lab: LabFixture;
  let authKey: string;
  let path: string;

  beforeAll(async () => {
    await vendor.start();
    await harness.start();
  });
  afterAll(async () => {
    await harness.stop();
    await vendor.stop();
  });
  /** A new lab with an async vendor integration for action 3. */
  async function vendorIntegration(extraDetails: Record<string, unknown> = {}): Promise<void> {
    lab = await createLabFixture(harness.services.configStore.db);
    path = `/${uniqueId('vendor')}`;
    vendor.on(path, { status: 202, body: '{"queued":true}' });
    const created = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, integrationType: 'async_vendor', url: vendor.url(path),
      extraDetails: { vendor: 'QuickCourier', ...extraDetails }, integrations: [{ actionCategoryId: 3 }],
    });
    authKey = (created.body as { authKey: string }).authKey;
  }
  beforeEach(() => vendorIntegration());

  async function submitted(): Promise<string> {
    const eventId = uniqueId('evt');
    await harness.request('POST', '/api/events', { eventId, labId: lab.labId, actionCategoryId: 3, entity: { type: 'bill', id: lab.billId }, activityDate: '2026-11-26T11:00:00Z' });
    const logId = await eventually(async () => (await harness.logsForEvent(eventId))[0]?._id);
    await harness.logWhere(logId, (log) => log.response_status_code === 202);
    return logId;
  }

  it('keeps the log QUEUED after a 2xx submit, until the callback with the right key makes it SUCCESS', async () => {
    const logId = await submitted();
    // The event's workflow sent it and waits for the callback
    const { workflow_id: workflowId } = (await harness.logs.get(logId))!;
    expect(workflowId).toMatch(/^event-/);
    const handle = harness.services.temporal.workflow.getHandle(workflowId!);
    await eventually(async () => (await handle.query(eventDeliveriesQuery)).find((d) => d.logId === logId)?.phase === 'awaiting-callback');
    expect((await harness.logs.get(logId))?.status).toBe('QUEUED');

    const callback = await harness.request('POST', `/partner/v1/callbacks/${logId}`, { status: 'SUCCESS', data: { trackingId: 'QC-1' } }, { authorization: `Bearer ${authKey}` });
    expect(callback.status).toBe(202);
    const log = await harness.logWhere(logId, (l) => l.status !== 'QUEUED');
    expect(log).toMatchObject({ status: 'SUCCESS', response_body: '{"trackingId":"QC-1"}', error_message: null });
  });

  it('refuses a callback with a wrong key with 401, and records that call as an API log', async () => {
    const logId = await submitted();
    const wrongKey = `lw_${uniqueId('nope')}`;
    const callback = await harness.request('POST', `/partner/v1/callbacks/${logId}`, { status: 'SUCCESS' }, { authorization: `Bearer ${wrongKey}` });
    expect(callback.status).toBe(401);
    expect(callback.headers.get('content-type')).toMatch(/problem\+json/);
    const apiLog = await eventually(() =>
      harness.store.logs.findOne({ type: 'API', endpoint: `/partner/v1/callbacks/${logId}`, response_status_code: 401 }).then((d) => d ?? undefined),
    );
    expect(apiLog).toMatchObject({ status: 'FAIL', lab_id: null, request: { method: 'POST', headers: { authorization: '[REDACTED]' } } });
    expect((await harness.logs.get(logId))?.status).toBe('QUEUED');
  });

  it('fails the log "Callback not received within …" when no callback arrives before the (short) timeout', async () => {
    await vendorIntegration({ callbackTimeoutMs: 3000 });
    const logId = await submitted();
    const log = await harness.logWhere(logId, (l) => l.status !== 'QUEUED', 15_000);
    expect(log).toMatchObject({ status: 'FAIL', error_message: 'Callback not received within 3 s' });
  });

  it('records a vendor-reported failure as FAIL with its message', async () => {
    const logId = await submitted();
    await harness.request('POST', `/partner/v1/callbacks/${logId}`, { status: 'FAIL', message: 'Address not serviceable' }, { authorization: `Bearer ${authKey}` });
    const log = await harness.logWhere(logId, (l) => l.status !== 'QUEUED');
    expect(log).toMatchObject({ status: 'FAIL', error_message: 'Address not serviceable' });
  });

  it('rejects a malformed callback with 400 naming the field, and a callback for a delivery that is not async with 409', async () => {
    const logId = await submitted();
    const badStatus = await harness.request('POST', `/partner/v1/callbacks/${logId}`, { status: 'MAYBE' }, { authorization: `Bearer ${authKey}` });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.errors.map((e: { field: string }) => e.field)).toEqual(['status']);
    const badId = await harness.request('POST', '/partner/v1/callbacks/not-a-log', { status: 'SUCCESS' }, { authorization: `Bearer ${authKey}` });
    expect(badId.status).toBe(400);
    expect(badId.body.errors.map((e: { field: string }) => e.field)).toEqual(['logId']);
    expect((await harness.logs.get(logId))?.status).toBe('QUEUED');

    const webhookPath = `/${uniqueId('plain')}`;
    vendor.on(webhookPath, { status: 200 });
    const plain = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, integrationType: 'webhook', url: vendor.url(webhookPath), integrations: [{ actionCategoryId: 1 }],
    });
    const eventId = uniqueId('evt');
    await harness.request('POST', '/api/events', { eventId, labId: lab.labId, actionCategoryId: 1, entity: { type: 'bill', id: lab.billId }, activityDate: '2026-11-26T11:00:00Z' });
    const [webhookLog] = await harness.settledLogs(eventId, 1);
    const notAsync = await harness.request('POST', `/partner/v1/callbacks/${webhookLog!._id}`, { status: 'SUCCESS' }, { authorization: `Bearer ${plain.body.authKey}` });
    expect(notAsync.status).toBe(409);
    expect(notAsync.body.detail).toContain('not an async vendor delivery');
  });
});
