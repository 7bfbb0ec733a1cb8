import { randomBytes } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { auditEvents, bills, developerAuthentication, patients } from '../src/db/schema';
import { sweepFilter } from '../src/retries/sweep-candidates';
import { decodeHistory, payloadValue } from '../src/temporal/history-decode';
import { payloadCodecFor } from '../src/temporal/payload-codec';
import { ApiClient } from './support/api-client';
import { uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { MirthPeer } from './support/mirth-peer';
import { Receiver } from './support/receiver';

const SIGNING_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const API_KEY = `send-a-test-key-${randomBytes(8).toString('hex')}`;
const BILL_GENERATED = 1;
const REPORT_SUBMITTED = 4;

const TEMPLATE = ['{', '  "bill": "{{bill.billNumber}}",', '  "patient": "{{patient.firstName}} {{patient.lastName}}",', '  "total": {{bill.totalAmount}}', '}'].join('\n');
/** Line 3 lacks its comma: the JSON breaks at line 3, column 3 (the quote of "patient"). */
const BROKEN_TEMPLATE = ['{', '  "bill": "{{bill.billNumber}}"', '  "patient": "{{patient.lastName}}"', '}'].join('\n');

/**
 * Issue 11, item 7: Send a test. A draft integration (the Add/Update body, unsaved) is rendered
 * for one event of its lab from live data, and sent once as a test delivery through the real
 * delivery workflow to a real partner on loopback.
 */
describe('Send a test: preview a draft with live data, then send it once as a test delivery', () => {
  const receiver = new Receiver();
  const mirth = new MirthPeer();
  let mirthPort: number;
  const harness = new Harness();
  let lab: LabFixture;
  let other: LabFixture;
  const okPath = `/${uniqueId('test-ok')}`;
  const failPath = `/${uniqueId('test-fail')}`;

  const draft = (overrides: Record<string, unknown> = {}) => ({
    labId: lab.labId,
    developerId: lab.developerId,
    integrationType: 'webhook',
    url: receiver.url(okPath),
    templateText: TEMPLATE,
    extraDetails: { 'x-api-key': API_KEY, signingSecret: SIGNING_SECRET },
    integrations: [{ actionCategoryId: BILL_GENERATED }],
    ...overrides,
  });
  const billEvent = (id?: number) => ({ actionCategoryId: BILL_GENERATED, entity: { type: 'bill', ...(id === undefined ? {} : { id }) } });
  const preview = (body: unknown, client: Pick<ApiClient, 'request'> = harness) => client.request('POST', '/api/integrations/preview', body);
  const testSend = (body: unknown, client: Pick<ApiClient, 'request'> = harness) => client.request('POST', '/api/integrations/test-send?wait=true', body);
  const authenticationsOf = (labId: number) =>
    harness.services.configStore.db.select({ id: developerAuthentication.id }).from(developerAuthentication).where(eq(developerAuthentication.labId, labId));

  beforeAll(async () => {
    [, mirthPort] = await Promise.all([receiver.start(), mirth.start(), harness.start()]);
    receiver.on(okPath, { status: 201, body: '{"received":true,"ticket":"T-42"}', headers: { 'content-type': 'application/json' } });
    receiver.on(failPath, { status: 500, body: 'partner is down for maintenance' });
    lab = await createLabFixture(harness.services.configStore.db, { first: 'Meera', last: 'Iyer' });
    other = await createLabFixture(harness.services.configStore.db);
  });
  afterAll(async () => {
    await harness.stop();
    await Promise.all([receiver.stop(), mirth.stop()]);
  });

  it('previews the POST request from live data: rendered template, secret headers redacted; nothing is sent or saved', async () => {
    const answer = await preview({ integration: draft(), event: billEvent(lab.billId) });
    expect(answer.status).toBe(200);
    expect(answer.body.event).toEqual({ actionCategoryId: BILL_GENERATED, action: 'Bill Generated', entity: { type: 'bill', id: lab.billId } });
    const { preview: rendered } = answer.body;
    expect(rendered).toMatchObject({ kind: 'http', method: 'POST', url: receiver.url(okPath) });
    const [bill] = await harness.services.configStore.db.select().from(bills).where(eq(bills.id, lab.billId));
    expect(JSON.parse(rendered.body)).toEqual({ bill: bill!.billNumber, patient: 'Meera Iyer', total: 1150.5 });
    expect(rendered.headers).toMatchObject({ 'content-type': 'application/json', 'x-api-key': '[REDACTED]', 'webhook-signature': '[REDACTED]' });
    expect(JSON.stringify(answer.body)).not.toContain(API_KEY);
    expect(receiver.requestsTo(okPath)).toHaveLength(0);
    expect(await authenticationsOf(lab.labId)).toHaveLength(0);
    // Recorded: a preview shows patient data.
    const [audit] = await harness.services.configStore.db.select().from(auditEvents).where(eq(auditEvents.action, 'integration.preview')).orderBy(desc(auditEvents.id)).limit(1);
    expect(audit?.detail).toMatchObject({ labId: lab.labId, actionCategoryId: BILL_GENERATED, entity: { type: 'bill', id: lab.billId } });
  });

  it('renders what the lab holds now: a renamed patient shows at once', async () => {
    const db = harness.services.configStore.db;
    await db.update(patients).set({ lastName: 'Iyer-Rao' }).where(eq(patients.id, lab.patientId));
    try {
      const answer = await preview({ integration: draft(), event: billEvent(lab.billId) });
      expect(JSON.parse(answer.body.preview.body).patient).toBe('Meera Iyer-Rao');
    } finally {
      await db.update(patients).set({ lastName: 'Iyer' }).where(eq(patients.id, lab.patientId));
    }
  });

  it('without an entity id, renders the lab’s most recent entity of that type', async () => {
    const db = harness.services.configStore.db;
    const [newer] = await db.insert(bills).values({ labId: lab.labId, patientId: lab.patientId, billNumber: uniqueId('B-newer') }).returning();
    const answer = await preview({ integration: draft(), event: billEvent() });
    expect(answer.status).toBe(200);
    expect(answer.body.event.entity).toEqual({ type: 'bill', id: newer!.id });
    expect(JSON.parse(answer.body.preview.body).bill).toBe(newer!.billNumber);
  });

  it('renders a GET as its URL with the payload in the query string, and no body', async () => {
    const answer = await preview({ integration: draft({ requestType: 0, url: `${receiver.url(okPath)}?source=labwire` }), event: billEvent(lab.billId) });
    expect(answer.status).toBe(200);
    const url = new URL(answer.body.preview.url);
    expect(answer.body.preview.method).toBe('GET');
    expect(answer.body.preview.body).toBeNull();
    expect(url.searchParams.get('source')).toBe('labwire');
    expect(url.searchParams.get('patient')).toBe('Meera Iyer');
    expect(url.searchParams.get('total')).not.toBeNull();
  });

  it('renders a Mirth draft as its HL7 message, MSH and PID with the live patient', async () => {
    const answer = await preview({
      integration: draft({ integrationType: 'mirth', payloadType: 'ORU_R01', url: undefined, templateText: undefined, extraDetails: { host: '127.0.0.1', port: mirthPort }, integrations: [{ actionCategoryId: REPORT_SUBMITTED }] }),
      event: { actionCategoryId: REPORT_SUBMITTED, entity: { type: 'report', id: lab.reportId } },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.preview.kind).toBe('hl7');
    expect(answer.body.preview.url).toBe(`mllp://127.0.0.1:${mirthPort}`);
    const segments: string[] = answer.body.preview.message.split('\r');
    expect(segments[0]).toMatch(/^MSH\|/);
    expect(segments[0]).toContain('ORU^R01');
    expect(segments.find((s) => s.startsWith('PID|'))).toContain('Iyer^Meera');
    expect(mirth.received).toHaveLength(0);
  });

  it('reports a broken template as 422 naming the field, its line and column, before anything is saved', async () => {
    for (const send of [preview, testSend]) {
      const answer = await send({ integration: draft({ templateText: BROKEN_TEMPLATE }), event: billEvent(lab.billId) });
      expect(answer.status).toBe(422);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.errors).toEqual([
        { field: 'integration.templateText', message: expect.stringContaining('line 3, column 3'), line: 3, column: 3 },
      ]);
      expect(answer.body.errors[0].message).not.toContain('Meera');
    }
    const syntax = await preview({ integration: draft({ templateText: '{\n  "a": {{#if bill}}1\n}' }), event: billEvent(lab.billId) });
    expect(syntax.status).toBe(422);
    expect(syntax.body.errors[0]).toMatchObject({ field: 'integration.templateText', line: expect.any(Number), column: expect.any(Number) });
    expect(await authenticationsOf(lab.labId)).toHaveLength(0);
  });

  it('names the field of other bad input: an action the draft does not trigger, an unknown entity, a URL the target guard refuses', async () => {
    const untriggered = await preview({ integration: draft(), event: { actionCategoryId: REPORT_SUBMITTED, entity: { type: 'report', id: lab.reportId } } });
    expect(untriggered.status).toBe(400);
    expect(untriggered.body.errors[0].field).toBe('event.actionCategoryId');
    const missing = await preview({ integration: draft(), event: billEvent(2_000_000_000) });
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].field).toBe('event.entity.id');
    // Another lab's bill is not this lab's entity.
    expect((await preview({ integration: draft(), event: billEvent(other.billId) })).status).toBe(404);
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.7/hook', 'http://[::ffff:169.254.169.254]/']) {
      for (const send of [preview, testSend]) {
        const refused = await send({ integration: draft({ url }), event: billEvent(lab.billId) });
        expect(refused.status).toBe(400);
        expect(refused.body.errors[0].field).toBe('integration.url');
        expect(refused.body.errors[0].message).toContain('not allowed unless TARGET_ALLOWLIST includes it');
      }
    }
  });

  it('is not for viewers; a lab-limited operator previews its lab only (another lab is 404); only admins send tests', async () => {
    const viewer = await harness.as('viewer');
    expect((await preview({ integration: draft(), event: billEvent(lab.billId) }, viewer)).status).toBe(403);
    expect((await testSend({ integration: draft(), event: billEvent(lab.billId) }, viewer)).status).toBe(403);
    const username = uniqueId('other-lab-operator');
    const created = await harness.request('POST', '/api/users', { username, role: 'operator', labIds: [other.labId] });
    expect(created.status).toBe(201);
    const limited = new ApiClient(harness.api.url, { username, password: created.body.password });
    const theirs = await preview({ integration: draft(), event: billEvent(lab.billId) }, limited);
    expect(theirs.status).toBe(404);
    expect(theirs.body.errors[0].field).toBe('integration.labId');
    const ownDraft = { ...draft(), labId: other.labId, developerId: other.developerId };
    expect((await preview({ integration: ownDraft, event: billEvent(other.billId) }, limited)).status).toBe(200);
    expect((await testSend({ integration: ownDraft, event: billEvent(other.billId) }, limited)).status).toBe(403);
    expect(receiver.requestsTo(okPath)).toHaveLength(0);
  });

  it('sends a test delivery through the delivery workflow: signed, with the key; the answer and the log show the partner’s status and body; marked test', async () => {
    const answer = await testSend({ integration: draft(), event: billEvent(lab.billId) });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'SUCCESS', responseStatusCode: 201, responseBody: '{"received":true,"ticket":"T-42"}' });
    const { logId } = answer.body;

    const [received] = receiver.requestsTo(okPath);
    expect(receiver.requestsTo(okPath)).toHaveLength(1);
    expect(received!.headers['x-api-key']).toBe(API_KEY);
    expect(received!.headers['idempotency-key']).toBe(logId);
    expect(() => new Webhook(SIGNING_SECRET).verify(received!.body, received!.headers)).not.toThrow();
    expect(JSON.parse(received!.body).patient).toBe('Meera Iyer');

    const detail = await harness.request('GET', `/api/logs/${logId}`);
    expect(detail.body).toMatchObject({ test: true, status: 'SUCCESS', response_status_code: 201, workflow_id: `delivery-${logId}`, operation: 'Bill Generated' });
    // A draft never saved has no authentication or trigger.
    expect(detail.body.retry_context).toMatchObject({ auth_id: null, lab_integration_id: null, entity_type: 'bill', entity_id: lab.billId });
    expect(detail.body.request.headers['x-api-key']).toBe('[REDACTED]');
    // Listed with its mark, filterable; left out of the figures.
    const tests = await harness.request('GET', `/api/logs?labId=${lab.labId}&test=true`);
    expect(tests.body.items.map((row: { id: string }) => row.id)).toContain(logId);
    expect(tests.body.items.find((row: { id: string }) => row.id === logId).test).toBe(true);
    expect((await harness.request('GET', `/api/logs?labId=${lab.labId}&test=false`)).body.items.map((row: { id: string }) => row.id)).not.toContain(logId);
    expect((await harness.request('GET', `/api/logs?labId=${lab.labId}`)).body.items.map((row: { id: string }) => row.id)).toContain(logId);
    // The lab has test deliveries only: its figures are empty unless they are asked for.
    const stats = await harness.request('GET', `/api/logs/stats?labId=${lab.labId}`);
    expect(stats.body.total).toBe(0);
    expect(stats.body.series.points.every((p: { total: number }) => p.total === 0)).toBe(true);
    expect((await harness.request('GET', `/api/logs/stats?labId=${lab.labId}&test=true`)).body.byStatus.SUCCESS).toBe(1);
    // The draft's secrets stayed in PostgreSQL: the decoded history holds the log id, never the key or the secret.
    const history = await harness.services.temporal.workflow.getHandle(`delivery-${logId}`).fetchHistory();
    await decodeHistory(payloadCodecFor(harness.config.temporal.payloadKeys), history.events ?? []);
    const values = (history.events ?? []).flatMap((e) => [
      ...(e.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
      ...(e.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
      ...(e.markerRecordedEventAttributes?.details?.data?.payloads ?? []),
    ]);
    const decoded = JSON.stringify(values.map(payloadValue));
    expect(decoded).toContain(logId);
    expect(decoded).not.toContain(API_KEY);
    expect(decoded).not.toContain(SIGNING_SECRET.slice(6));
    // A test is not retried: not by hand, not in bulk.
    expect((await harness.request('POST', `/api/logs/${logId}/retry`, { force: true })).status).toBe(409);
    expect((await harness.request('POST', '/api/logs/retry/preview', { ids: [logId] })).body.count).toBe(0);
    const [audit] = await harness.services.configStore.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'integration.test_send'), eq(auditEvents.targetId, logId)));
    expect(audit).toBeDefined();
  });

  it('sends once: a 500 is the answer shown (status and body), never retried, and the sweep leaves failed tests alone', async () => {
    const answer = await testSend({ integration: draft({ url: receiver.url(failPath) }), event: billEvent(lab.billId) });
    expect(answer.body).toMatchObject({ status: 'FAIL', responseStatusCode: 500, responseBody: 'partner is down for maintenance' });
    expect(receiver.requestsTo(failPath)).toHaveLength(1);

    // A refused connection matches a retryable pattern: a real delivery would be swept, a test is not.
    const closed = await testSend({ integration: draft({ url: 'http://127.0.0.1:9/hook' }), event: billEvent(lab.billId) });
    expect(closed.body.status).toBe('FAIL');
    expect(closed.body.errorMessage).toMatch(/ECONNREFUSED|refused/i);
    const now = new Date();
    const filter = sweepFilter(harness.config.sweep, { from: new Date(now.getTime() - 3600_000), to: now }, now);
    const withoutTestRule = { ...filter } as Record<string, unknown>;
    delete withoutTestRule.test;
    expect(await harness.logs.idsAfter({ ...withoutTestRule, _id: closed.body.logId }, undefined, 10)).toEqual([closed.body.logId]);
    expect(await harness.logs.idsAfter({ ...filter, _id: closed.body.logId }, undefined, 10)).toEqual([]);
  });

  it('an async vendor’s test answers with its submit’s status at once; the log waits for the callback', async () => {
    const started = Date.now();
    const answer = await testSend({ integration: draft({ integrationType: 'async_vendor' }), event: billEvent(lab.billId) });
    expect(answer.body).toMatchObject({ status: 'QUEUED', responseStatusCode: 201, responseBody: '{"received":true,"ticket":"T-42"}' });
    expect(Date.now() - started).toBeLessThan(harness.config.delivery.webhookTimeoutMs);
    // Nobody calls back here: the delivery is not left waiting for other test files' workers.
    await harness.services.temporal.workflow.getHandle(`delivery-${answer.body.logId}`).terminate('test over');
  });

  it('a draft of a saved integration sends with its stored secrets when the form leaves them out', async () => {
    const saved = await harness.request('POST', '/api/integrations', draft());
    expect(saved.status).toBe(201);
    const edited = draft({ authId: saved.body.authId, extraDetails: {}, templateText: '{"edited": true, "bill": {{bill.id}} }' });
    const answer = await testSend({ integration: edited, event: billEvent(lab.billId) });
    expect(answer.body.status).toBe('SUCCESS');
    const last = receiver.requestsTo(okPath).at(-1)!;
    expect(JSON.parse(last.body)).toEqual({ edited: true, bill: lab.billId });
    expect(last.headers['x-api-key']).toBe(API_KEY);
    expect(() => new Webhook(SIGNING_SECRET).verify(last.body, last.headers)).not.toThrow();
    const detail = await harness.request('GET', `/api/logs/${answer.body.logId}`);
    expect(detail.body.auth_id).toBe(saved.body.authId);
    // The stored integration is as it was saved.
    const [stored] = await harness.services.configStore.db.select().from(developerAuthentication).where(eq(developerAuthentication.id, saved.body.authId));
    expect(stored!.templateText).toBe(TEMPLATE);
  });
});
