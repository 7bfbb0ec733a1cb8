import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { eq } from 'drizzle-orm';
import { developerAuthentication } from '../src/db/schema';
import { eventWorkflowId } from '../src/events/business-event';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { webhookIntegration } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('webhook deliveries: business event → workflows → logs', () => {
  const harness = new Harness();
  const receiver = new Receiver();
  let lab: LabFixture;

  beforeAll(async () => {
    await receiver.start();
    await harness.start();
  });
  afterAll(async () => {
    await harness.stop();
    await receiver.stop();
  });
  beforeEach(async () => {
    lab = await createLabFixture(harness.services.configStore.db);
  });

  async function integrate(body: Record<string, unknown>): Promise<{ authKey: string; authId: number; integrations: Array<{ id: number }> }> {
    const response = await harness.request('POST', '/api/integrations', { labId: lab.labId, developerId: lab.developerId, integrationType: 'webhook', ...body });
    expect(response.status).toBe(201);
    return response.body;
  }

  async function emit(actionCategoryId: number, entity: { type: string; id: number }, eventId = uniqueId('evt')) {
    const response = await harness.request('POST', '/api/events', {
      eventId,
      labId: lab.labId,
      actionCategoryId,
      entity,
      activityDate: '2026-11-26T09:30:00Z',
    });
    expect(response.status).toBe(202);
    return eventId;
  }

  /** The receiver looks the log up while the request is open: it must already exist, QUEUED. */
  const observeLogStatus = (status: number, body = 'ok') => async (request: { headers: Record<string, string>; observed?: unknown }) => {
    const log = await harness.logs.get(request.headers['idempotency-key'] ?? '');
    request.observed = log?.status;
    return { status, body };
  };

  it('given two active integrations (GET and POST), a disabled trigger and a disabled authentication, one event makes exactly two logs, QUEUED then SUCCESS', async () => {
    const path = `/${uniqueId('hook')}`;
    receiver.on(`${path}/post`, observeLogStatus(200)).on(`${path}/get`, observeLogStatus(200)).on(`${path}/off`, { status: 200 });
    await integrate({
      url: receiver.url(`${path}/post`),
      requestType: 1,
      extraDetails: { 'x-api-key': 'partner-key-123', signingSecret: SECRET },
      integrations: [{ actionCategoryId: 1 }, { actionCategoryId: 2, isDisable: true, url: receiver.url(`${path}/off`) }],
    });
    await integrate({ url: receiver.url(`${path}/get`), requestType: 0, integrations: [{ actionCategoryId: 1 }] });
    await integrate({ url: receiver.url(`${path}/off`), isIntegrationEnable: false, integrations: [{ actionCategoryId: 1 }] });

    const eventId = await emit(1, { type: 'bill', id: lab.billId });
    const logs = await harness.settledLogs(eventId, 2);

    expect(logs.map((l) => l.status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(receiver.requestsTo(`${path}/off`)).toHaveLength(0);
    const [post] = receiver.requestsTo(`${path}/post`);
    const [get] = receiver.requestsTo(`${path}/get`);
    expect(post?.observed).toBe('QUEUED');
    expect(get?.observed).toBe('QUEUED');

    expect(post?.method).toBe('POST');
    expect(post?.headers['x-api-key']).toBe('partner-key-123');
    const body = JSON.parse(post!.body) as Record<string, any>;
    expect(body).toMatchObject({ eventId, action: 'Bill Generated', labId: lab.labId, entityType: 'bill', bill: { id: lab.billId } });
    expect(body.bill.items).toHaveLength(2);
    expect(body.bill.patient).toMatchObject({ firstName: 'Asha', lastName: 'Rao' });
    // A partner verifies the signature with the standardwebhooks package.
    expect(() => new Webhook(SECRET).verify(post!.body, post!.headers)).not.toThrow();
    expect(post?.headers['idempotency-key']).toBe(logs.find((l) => l.request?.method === 'POST')?._id);

    expect(get?.method).toBe('GET');
    expect(get?.query.get('eventId')).toBe(eventId);
    expect(JSON.parse(get?.query.get('bill') ?? '{}')).toMatchObject({ billNumber: body.bill.billNumber });
    expect(get?.body).toBe('');

    const postLog = logs.find((l) => l.request?.method === 'POST')!;
    expect(postLog).toMatchObject({ type: 'WEBHOOK', lab_id: lab.labId, operation: 'Bill Generated', response_status_code: 200, retry_count: 0, triggered_by_py3: false, origin: 'livehealth' });
    expect(postLog.request?.headers['x-api-key']).toBe('[REDACTED]');
    expect(postLog.retry_context).toMatchObject({ entity_type: 'bill', entity_id: lab.billId, lab_id: lab.labId, action_category_id: 1 });
    // Sent by its event's own workflow, which the log names
    expect(postLog.workflow_id).toBe(`event-${lab.labId}-${postLog.event_id}`);
    expect(postLog.response_time).toEqual(expect.any(Number));
  });

  it.each([
    ['209', { status: 209, body: 'accepted' }, ''],
    ['#NOTFORDASHBOARD in the body', { status: 200, body: 'ok #NOTFORDASHBOARD' }, ''],
  ])('given the receiver answers %s, the log status is blank (suppressed)', async (_name, reply, expected) => {
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, reply);
    await integrate({ url: receiver.url(path), integrations: [{ actionCategoryId: 4 }] });
    const eventId = await emit(4, { type: 'report', id: lab.reportId });
    const [log] = await harness.settledLogs(eventId, 1);
    expect(log?.status).toBe(expected);
  });

  it('given the receiver answers 500, the log is FAIL with its body as the error and every attempt recorded', async () => {
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, { status: 500, body: 'database is on fire' });
    await integrate({ url: receiver.url(path), integrations: [{ actionCategoryId: 1 }] });
    const eventId = await emit(1, { type: 'bill', id: lab.billId });
    const [log] = await harness.settledLogs(eventId, 1);
    expect(log).toMatchObject({ status: 'FAIL', error_message: 'database is on fire', response_status_code: 500 });
    expect(log?.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500]);
    expect(receiver.requestsTo(path)).toHaveLength(3);
  });

  it('given the receiver answers 404, the log is FAIL after one attempt (4xx is not retried)', async () => {
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, { status: 404, body: 'unknown endpoint' });
    await integrate({ url: receiver.url(path), integrations: [{ actionCategoryId: 1 }] });
    const eventId = await emit(1, { type: 'bill', id: lab.billId });
    const [log] = await harness.settledLogs(eventId, 1);
    expect(log).toMatchObject({ status: 'FAIL', error_message: 'unknown endpoint', response_status_code: 404 });
    expect(log?.attempts).toHaveLength(1);
  });

  it('given the receiver never answers, the log is FAIL "No response" after the configured timeout', async () => {
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, { status: 200, hang: true });
    await integrate({ url: receiver.url(path), integrations: [{ actionCategoryId: 1 }] });
    const eventId = await emit(1, { type: 'bill', id: lab.billId });
    const [log] = await harness.settledLogs(eventId, 1, 30_000);
    expect(log).toMatchObject({ status: 'FAIL', error_message: 'No response', response_status_code: null });
    expect(log?.attempts.every((a) => a.error === 'No response')).toBe(true);
  });

  it('given a stored URL on a private address outside the allowlist, the log is FAIL "Blocked target address …"', async () => {
    // The API refuses this address when saving; written straight to the store, as one saved before that rule.
    await webhookIntegration(harness.services.configStore.db, lab, 'http://10.255.255.1:8080/hook');
    const eventId = await emit(1, { type: 'bill', id: lab.billId });
    const [log] = await harness.settledLogs(eventId, 1);
    expect(log?.status).toBe('FAIL');
    expect(log?.error_message).toMatch(/^Blocked target address 10\.255\.255\.1 \(private\)/);
    expect(log?.attempts).toHaveLength(1);
  });

  it('given the same eventId emitted twice, one set of logs exists', async () => {
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, { status: 200 });
    await integrate({ url: receiver.url(path), integrations: [{ actionCategoryId: 3 }] });
    const eventId = uniqueId('evt');
    await emit(3, { type: 'patient', id: lab.patientId }, eventId);
    const again = await harness.request('POST', '/api/events', { eventId, labId: lab.labId, actionCategoryId: 3, entity: { type: 'patient', id: lab.patientId }, activityDate: '2026-11-26T09:30:00Z' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ ok: true, duplicate: true });
    await harness.settledLogs(eventId, 1);
    expect(await harness.logsForEvent(eventId)).toHaveLength(1);
    expect(receiver.requestsTo(path)).toHaveLength(1);
  });

  it('given an integration disabled through POST /api/integrations, the next event skips it without a restart', async () => {
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, { status: 200 });
    const { authKey, authId } = await integrate({ url: receiver.url(path), integrations: [{ actionCategoryId: 5 }] });
    const first = await emit(5, { type: 'report', id: lab.reportId });
    await harness.settledLogs(first, 1);

    const update = await harness.request('POST', '/api/integrations', {
      authId, labId: lab.labId, developerId: lab.developerId, integrationType: 'webhook', url: receiver.url(path),
      integrations: [{ actionCategoryId: 5, isDisable: true }],
    });
    expect(update.status).toBe(200);
    // An update names the key by its prefix; the key itself was shown once, when it was made.
    expect(update.body).toMatchObject({ authId, authKeyPrefix: authKey.slice(0, 12) });
    expect(update.body).not.toHaveProperty('authKey');
    const second = await emit(5, { type: 'report', id: lab.reportId });
    // The event's workflow finishes once it has resolved (and pre-created) every delivery: none.
    const outcome = await eventually(() => harness.services.temporal.workflow.getHandle(eventWorkflowId({ labId: lab.labId, eventId: second })).result().catch(() => undefined), 30_000, 200);
    expect(outcome).toEqual({ logIds: [] });
    expect(await harness.logsForEvent(second)).toHaveLength(0);
    expect(receiver.requestsTo(path)).toHaveLength(1);
  });

  it('renders template_text with live data; a template that is not JSON is refused when saved', async () => {
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, { status: 200 });
    await integrate({
      url: receiver.url(path),
      templateText: '{"bill": "{{bill.billNumber}}", "patient": "{{patient.lastName}}", "tests": {{json bill.items}} }',
      integrations: [{ actionCategoryId: 1 }],
    });
    const eventId = await emit(1, { type: 'bill', id: lab.billId });
    await harness.settledLogs(eventId, 1);
    const body = JSON.parse(receiver.requestsTo(path)[0]!.body) as { bill: string; patient: string; tests: unknown[] };
    expect(body.patient).toBe('Rao');
    expect(body.tests).toHaveLength(2);

    const refused = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, integrationType: 'webhook', url: receiver.url(path), templateText: 'bill={{bill.billNumber}}', integrations: [{ actionCategoryId: 6 }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ field: 'templateText', message: expect.stringMatching(/^does not produce valid JSON: line 1, column 1: /) }]);
  });

  describe('given a patient whose name is written to break the payload', () => {
    const HOSTILE = 'Doe", "flag": "N \\ }} \n x';
    const TEMPLATE = '{"patient": "{{patient.lastName}}", "mrnAndName": "{{patient.mrn}}/{{patient.lastName}}", "bill": {{bill.billNumber}} }';

    beforeEach(async () => {
      lab = await createLabFixture(harness.services.configStore.db, { first: 'Jane', last: HOSTILE });
    });

    it('POST: the partner receives exactly that name inside valid JSON, with no extra key', async () => {
      const path = `/${uniqueId('hook')}`;
      receiver.on(path, { status: 200 });
      await integrate({ url: receiver.url(path), requestType: 1, templateText: TEMPLATE, integrations: [{ actionCategoryId: 1 }] });
      const [log] = await harness.settledLogs(await emit(1, { type: 'bill', id: lab.billId }), 1);
      expect(log?.status).toBe('SUCCESS');
      const body = JSON.parse(receiver.requestsTo(path)[0]!.body) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['patient', 'mrnAndName', 'bill']);
      expect(body.patient).toBe(HOSTILE);
      expect(body.mrnAndName).toEqual(expect.stringMatching(/^MRN-/));
      expect((body.mrnAndName as string).endsWith(`/${HOSTILE}`)).toBe(true);
      expect(body.bill).toMatch(/^B-/);
    });

    it('GET: the query string decodes to exactly that name, with no extra parameter', async () => {
      const path = `/${uniqueId('hook')}`;
      receiver.on(path, { status: 200 });
      await integrate({ url: receiver.url(path), requestType: 0, templateText: TEMPLATE, integrations: [{ actionCategoryId: 1 }] });
      const [log] = await harness.settledLogs(await emit(1, { type: 'bill', id: lab.billId }), 1);
      expect(log?.status).toBe('SUCCESS');
      const [request] = receiver.requestsTo(path);
      expect(request?.method).toBe('GET');
      expect([...request!.query.keys()]).toEqual(['patient', 'mrnAndName', 'bill']);
      expect(request!.query.get('patient')).toBe(HOSTILE);
    });
  });

  it('given a template stored before templates were checked, the delivery fails naming its line and column, without patient data', async () => {
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, { status: 200 });
    const { authId } = await integrate({ url: receiver.url(path), integrations: [{ actionCategoryId: 6 }] });
    await harness.services.configStore.db
      .update(developerAuthentication)
      .set({ templateText: '{"bill": "{{bill.billNumber}}",\n "name": {{patient.firstName}} {{patient.lastName}} }' })
      .where(eq(developerAuthentication.id, authId));
    const [log] = await harness.settledLogs(await emit(6, { type: 'bill', id: lab.billId }), 1);
    expect(log?.status).toBe('FAIL');
    expect(log?.error_message).toBe("template_text does not produce valid JSON: line 2, column 32: expected ',' or '}' after a property value");
    expect(receiver.requestsTo(path)).toHaveLength(0);
  });

  it('given a URL with credentials stored before they were refused, sends and logs it without them', async () => {
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, { status: 200 });
    const { authId } = await integrate({ url: receiver.url(path), integrations: [{ actionCategoryId: 1 }] });
    const withCredentials = receiver.url(path).replace('http://', 'http://partner-user:s3cret-pass@');
    await harness.services.configStore.db.update(developerAuthentication).set({ url: withCredentials }).where(eq(developerAuthentication.id, authId));
    const [log] = await harness.settledLogs(await emit(1, { type: 'bill', id: lab.billId }), 1);
    expect(log?.status).toBe('SUCCESS');
    expect(log?.request?.url).toBe(receiver.url(path));
    expect(JSON.stringify(log)).not.toMatch(/s3cret-pass|partner-user/);
    expect(receiver.requestsTo(path)[0]?.headers.authorization).toBeUndefined();
    const listed = await harness.request('GET', `/api/labs/${lab.labId}/integrations`);
    expect(JSON.stringify(listed.body)).not.toMatch(/s3cret-pass|partner-user/);
  });

  it('generates the auth key with at least 128 bits and stores only its SHA-256 and a 12-character prefix', async () => {
    const { authKey, authId } = await integrate({ url: receiver.url('/x'), integrations: [{ actionCategoryId: 1 }] });
    expect(Buffer.from(authKey.replace(/^lw_/, ''), 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    const [row] = await harness.services.configStore.db.select().from(developerAuthentication).where(eq(developerAuthentication.id, authId));
    expect(row).toMatchObject({ authKeyHash: createHash('sha256').update(authKey).digest('hex'), authKeyPrefix: authKey.slice(0, 12) });
    expect(JSON.stringify(row)).not.toContain(authKey);
  });
});
