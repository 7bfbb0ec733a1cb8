import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { reindexLogsCommand } from '../src/cli/commands/reindex-logs';
import { logIndex } from '../src/db/schema';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { MirthPeer } from './support/mirth-peer';
import { Receiver } from './support/receiver';

const METRICS_TOKEN = 'metrics-token-for-tests-0001';

describe('operator API: find a failed delivery, understand it, retry it', () => {
  const harness = new Harness((config) => {
    config.metricsToken = METRICS_TOKEN;
  });
  const receiver = new Receiver();
  let lab: LabFixture;
  let failedLogId: string;
  let okLogId: string;

  beforeAll(async () => {
    await receiver.start();
    await harness.start();
    lab = await createLabFixture(harness.services.configStore.db);
    const failing = `/${uniqueId('hook')}`;
    receiver.on(failing, { status: 500, body: '{"error":"partner database down"}' });
    await webhookIntegration(harness.services.configStore.db, lab, receiver.url(failing), 1);
    const fine = `/${uniqueId('hook')}`;
    receiver.on(fine, { status: 200, body: '{"ok":true}' });
    await webhookIntegration(harness.services.configStore.db, lab, receiver.url(fine), 2);
    const failedEvent = uniqueId('evt');
    const okEvent = uniqueId('evt');
    expect((await harness.request('POST', '/api/events', billEvent(lab, failedEvent, 1))).status).toBe(202);
    expect((await harness.request('POST', '/api/events', billEvent(lab, okEvent, 2))).status).toBe(202);
    failedLogId = (await harness.settledLogs(failedEvent, 1))[0]!._id;
    okLogId = (await harness.settledLogs(okEvent, 1))[0]!._id;
  });
  afterAll(async () => {
    await harness.stop();
    await receiver.stop();
  });

  it('lists the lab’s logs newest first with lab names, and the FAIL one under the Errors filter', async () => {
    const all = await harness.request('GET', `/api/logs?labId=${lab.labId}&type=WEBHOOK`);
    expect(all.status).toBe(200);
    const items: Array<{ id: string; inserted_at: string }> = all.body.items;
    expect(items.map((row) => row.id).sort()).toEqual([okLogId, failedLogId].sort());
    expect(Date.parse(items[0]!.inserted_at)).toBeGreaterThanOrEqual(Date.parse(items[1]!.inserted_at));
    const ok = all.body.items.find((row: { id: string }) => row.id === okLogId);
    expect(ok).toMatchObject({ lab_id: lab.labId, lab_name: expect.stringMatching(/^Lab-/), status: 'SUCCESS', response_status_code: 200, entity: `bill:${lab.billId}` });
    expect(ok).not.toHaveProperty('request');

    const errors = await harness.request('GET', `/api/logs?labId=${lab.labId}&status=FAIL,QUEUED`);
    expect(errors.body.items).toEqual([expect.objectContaining({ id: failedLogId, status: 'FAIL', response_status_code: 500 })]);

    const stats = await harness.request('GET', `/api/logs/stats?labId=${lab.labId}`);
    expect(stats.body).toMatchObject({ total: 2, byStatus: { SUCCESS: 1, FAIL: 1, QUEUED: 0, SUPPRESSED: 0 }, successRate: 0.5 });
    expect(stats.body.series.points.reduce((sum: number, p: { total: number }) => sum + p.total, 0)).toBe(2);
  });

  it('rejects a bad filter with 400 naming the parameter', async () => {
    const bad = await harness.request('GET', '/api/logs?labId=abc&status=BROKEN&limit=1000');
    expect(bad.status).toBe(400);
    const fields: string[] = bad.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['labId', 'limit', expect.stringMatching(/^status/)]);
  });

  it('shows the log with a deep link, and its Temporal history as a timeline', async () => {
    const log = await harness.request('GET', `/api/logs/${failedLogId}`);
    expect(log.body.temporalUrl).toBe(`${harness.config.temporal.uiUrl}/namespaces/default/workflows/${log.body.workflow_id}/${log.body.run_id}/history`);
    expect(log.body.workflow_id).toMatch(/^event-/);
    const history = await harness.request('GET', `/api/logs/${failedLogId}/history`);
    expect(history.status).toBe(200);
    expect(history.body.workflowId).toBe(log.body.workflow_id);
    const summaries: string[] = history.body.events.map((e: { summary: string }) => e.summary);
    expect(summaries[0]).toMatch(/^businessEventWorkflow started on /);
    expect(summaries).toEqual(expect.arrayContaining(['prepareDeliveries (local activity) completed', 'sendAndRecordWebhook (local activity) completed']));
    expect(history.body.events.every((e: { time: string }) => !Number.isNaN(Date.parse(e.time)))).toBe(true);
    // The link opens in the real Temporal Web UI (a single-page app: the page itself answers 200).
    expect((await fetch(history.body.temporalUrl)).status).toBe(200);
  });

  it('a viewer reads the log but is refused the retry (403), and the log is untouched', async () => {
    const viewer = await harness.as('viewer');
    expect((await viewer.request('GET', `/api/logs/${failedLogId}`)).status).toBe(200);
    const refused = await viewer.request('POST', `/api/logs/${failedLogId}/retry`, {});
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('needs the operator role');
    expect((await harness.request('GET', `/api/logs/${failedLogId}`)).body).toMatchObject({ status: 'FAIL', retry_count: 0, retries: [] });
  });

  it('an operator’s retry records who asked', async () => {
    const operator = await harness.as('operator');
    const retry = await operator.request('POST', `/api/logs/${okLogId}/retry?wait=true`, { force: true });
    expect(retry.status).toBe(200);
    const log = await harness.request('GET', `/api/logs/${okLogId}`);
    expect(log.body.retries[0]).toMatchObject({ requested_by: 'test-operator', kind: 'manual', status: 'SUCCESS' });
  });

  it('serves Prometheus metrics to the scraper’s token or a session, and to nobody else', async () => {
    expect((await fetch(`${harness.api.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${harness.api.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-000000000' } })).status).toBe(401);
    const scraped = await fetch(`${harness.api.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scraped.status).toBe(200);
    const text = await scraped.text();
    expect(text).toMatch(/labwire_deliveries_total\{status="FAIL",integration_type="webhook",retry="no"\} [1-9]/);
    expect(text).toMatch(/labwire_deliveries_total\{status="SUCCESS",integration_type="webhook",retry="yes"\} [1-9]/);
    expect(text).toMatch(/labwire_retries_total\{kind="manual",status="SUCCESS"\} [1-9]/);
    expect(text).toMatch(/labwire_dispatch_duration_seconds_count\{integration_type="webhook"\} [1-9]/);
    expect(text).toMatch(/labwire_http_requests_total\{method="GET",route="\/api\/logs\/:id",status="200"\} [1-9]/);
    const withSession = await harness.request('GET', '/metrics');
    expect(withSession.status).toBe(200);
  });
});

describe('operator API: Manage Integrations', () => {
  const harness = new Harness();
  let lab: LabFixture;

  beforeAll(async () => {
    await harness.start({ workers: false });
    lab = await createLabFixture(harness.services.configStore.db);
  });
  afterAll(() => harness.stop());

  it('searches labs by id or by a part of the name', async () => {
    const byId = await harness.request('GET', `/api/labs?q=${lab.labId}`);
    expect(byId.body.items.map((l: { id: number }) => l.id)).toContain(lab.labId);
    const byName = await harness.request('GET', '/api/labs?q=BAYVIEW');
    expect(byName.body.items).toContainEqual({ id: 1003, name: 'Bayview Clinical Labs', city: 'San Diego' });
    for (const found of byName.body.items) expect(found.name.toLowerCase()).toContain('bayview');
    const nothing = await harness.request('GET', '/api/labs?q=%25%25no-such-lab');
    expect(nothing.body.items).toEqual([]);
  });

  it('adds an integration, shows it under the lab, disables a trigger, disables it, and regenerates its key', async () => {
    const added = await harness.request('POST', '/api/integrations', {
      labId: lab.labId,
      developerId: lab.developerId,
      integrationType: 'webhook',
      url: 'https://partner.example/hook',
      integrations: [{ actionCategoryId: 1 }, { actionCategoryId: 2, url: 'https://partner.example/reports' }],
    });
    expect(added.status).toBe(201);
    const shown = await harness.request('GET', `/api/labs/${lab.labId}/integrations`);
    expect(shown.body.lab.id).toBe(lab.labId);
    const [auth] = shown.body.authentications;
    // The key was shown once, in the answer that made it; the list names it by its prefix only.
    expect(auth).toMatchObject({ id: added.body.authId, authKeyPrefix: added.body.authKey.slice(0, 12), integrationType: 'webhook', isIntegrationEnable: true });
    expect(auth).not.toHaveProperty('authKey');
    expect(auth.integrations.map((t: { actionCategoryId: number; url: string | null }) => [t.actionCategoryId, t.url])).toEqual([
      [1, null],
      [2, 'https://partner.example/reports'],
    ]);

    const trigger = auth.integrations[1];
    expect((await harness.request('PATCH', `/api/lab-integrations/${trigger.id}`, { isDisable: true })).body).toMatchObject({ id: trigger.id, isDisable: true });
    expect((await harness.request('PATCH', `/api/authentications/${auth.id}`, { isIntegrationEnable: false })).body).toMatchObject({ isIntegrationEnable: false });
    const after = (await harness.request('GET', `/api/labs/${lab.labId}/integrations`)).body.authentications[0];
    expect(after.isIntegrationEnable).toBe(false);
    expect(after.integrations[1].isDisable).toBe(true);

    const regenerated = await harness.request('POST', `/api/authentications/${auth.id}/regenerate-key`);
    expect(regenerated.status).toBe(200);
    expect(regenerated.body).toMatchObject({ id: auth.id, authKey: expect.stringMatching(/^lw_/), authKeyPrefix: regenerated.body.authKey.slice(0, 12) });
    expect(regenerated.body.authKey).not.toBe(added.body.authKey);
    // The old key is no longer known; the new one is (and refused only because the integration is disabled).
    const oldKey = await harness.anonymous().request('GET', `/partner/v1/bills/${lab.billId}`, undefined, { authorization: `Bearer ${added.body.authKey}` });
    expect(oldKey.status).toBe(401);
    const newKey = await harness.anonymous().request('GET', `/partner/v1/bills/${lab.billId}`, undefined, { authorization: `Bearer ${regenerated.body.authKey}` });
    expect(newKey.status).toBe(403);
  });

  it('names the field of a bad change, and 404s an unknown row', async () => {
    const bad = await harness.request('PATCH', '/api/authentications/1', { isIntegrationEnable: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('isIntegrationEnable');
    const missing = await harness.request('PATCH', '/api/lab-integrations/999999999', { isDisable: true });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('999999999');
  });

  it('publishes an OpenAPI 3.1 document whose request schemas are the validators', async () => {
    const { body } = await harness.request('GET', '/api/openapi.json');
    expect(body.openapi).toBe('3.1.0');
    const add = body.paths['/api/integrations'].post;
    expect(add.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['labId', 'developerId', 'integrationType', 'integrations']));
    expect(add.requestBody.content['application/json'].schema.properties.integrationType.enum).toEqual(['webhook', 'api', 'mirth', 'async_vendor']);
    const list = body.paths['/api/logs'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['labId', 'status', 'from', 'to', 'q', 'cursor', 'limit']));
    for (const [path, methods] of Object.entries(body.paths as Record<string, Record<string, any>>)) {
      for (const op of Object.values(methods)) {
        expect({ path, summary: typeof op.summary, responses: Object.keys(op.responses).length > 0 }).toEqual({ path, summary: 'string', responses: true });
      }
    }
  });
});

describe('operator API: a list row names where the delivery went and its integration', () => {
  const harness = new Harness();
  const receiver = new Receiver();
  const peer = new MirthPeer();
  let lab: LabFixture;
  let mirthPort: number;
  const hookPath = `/${uniqueId('hook')}`;
  const ids = { webhook: { log: '', trigger: 0, auth: 0 }, mirth: { log: '', trigger: 0, auth: 0 }, api: { log: '', auth: 0 } };
  type Row = { id: string; endpoint: string | null; lab_integration_id: number | null; auth_id: number | null };
  const rowsOf = async (): Promise<Row[]> => (await harness.request('GET', `/api/logs?labId=${lab.labId}&limit=50`)).body.items;
  const expectRows = (rows: Row[]) => {
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(ids.webhook.log)).toMatchObject({ endpoint: `127.0.0.1:${receiver.port}`, lab_integration_id: ids.webhook.trigger, auth_id: ids.webhook.auth });
    expect(byId.get(ids.mirth.log)).toMatchObject({ endpoint: `127.0.0.1:${mirthPort}`, lab_integration_id: ids.mirth.trigger, auth_id: ids.mirth.auth });
    expect(byId.get(ids.api.log)).toMatchObject({ endpoint: `/partner/v1/bills/${lab.billId}`, lab_integration_id: null, auth_id: ids.api.auth });
  };

  beforeAll(async () => {
    await receiver.start();
    mirthPort = await peer.start();
    await harness.start();
    lab = await createLabFixture(harness.services.configStore.db);
    receiver.on(hookPath, { status: 200, body: '{"ok":true}' });
    // A GET webhook: the payload (patient data) travels in the query string, next to the URL's own.
    const webhook = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, integrationType: 'webhook', requestType: 0,
      url: `${receiver.url(hookPath)}?patient=Asha-Rao`, integrations: [{ actionCategoryId: 1 }],
    });
    const mirth = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, integrationType: 'mirth', payloadType: 'ADT',
      extraDetails: { host: '127.0.0.1', port: mirthPort }, integrations: [{ actionCategoryId: 2 }],
    });
    const api = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, integrationType: 'api', url: 'http://127.0.0.1:9/unused', integrations: [{ actionCategoryId: 3 }],
    });
    expect([webhook.status, mirth.status, api.status]).toEqual([201, 201, 201]);
    ids.webhook = { log: '', trigger: webhook.body.integrations[0].id, auth: webhook.body.authId };
    ids.mirth = { log: '', trigger: mirth.body.integrations[0].id, auth: mirth.body.authId };
    ids.api.auth = api.body.authId;

    const webhookEvent = uniqueId('evt');
    const mirthEvent = uniqueId('evt');
    expect((await harness.request('POST', '/api/events', billEvent(lab, webhookEvent, 1))).status).toBe(202);
    const adt = { eventId: mirthEvent, labId: lab.labId, actionCategoryId: 2, entity: { type: 'patient', id: lab.patientId }, activityDate: new Date().toISOString() };
    expect((await harness.request('POST', '/api/events', adt)).status).toBe(202);
    const [webhookLog] = await harness.settledLogs(webhookEvent, 1);
    const [mirthLog] = await harness.settledLogs(mirthEvent, 1);
    expect([webhookLog!.status, mirthLog!.status]).toEqual(['SUCCESS', 'SUCCESS']);
    ids.webhook.log = webhookLog!._id;
    ids.mirth.log = mirthLog!._id;
    // The request really carried the patient in its query string.
    expect(receiver.requestsTo(hookPath)[0]!.rawQuery).toContain('patient=Asha-Rao');

    expect((await harness.request('GET', `/partner/v1/bills/${lab.billId}`, undefined, { authorization: `Bearer ${api.body.authKey}` })).status).toBe(200);
    const apiLog = await eventually(() => harness.store.logs.findOne({ type: 'API', lab_id: lab.labId }).then((doc) => doc ?? undefined));
    ids.api.log = apiLog._id;
    await eventually(async () => (await rowsOf()).some((row) => row.id === ids.api.log));
  });
  afterAll(async () => {
    await harness.stop();
    await peer.stop();
    await receiver.stop();
  });

  it('a webhook row carries the URL host:port and never its path or query; a Mirth row its peer; an API log its path; with trigger and auth ids', async () => {
    const rows = await rowsOf();
    expectRows(rows);
    const webhookRow = rows.find((row) => row.id === ids.webhook.log)!;
    expect(webhookRow.endpoint).not.toMatch(/[/?#@]|hook|patient|Asha/);
    // The log document names it too (the detail view), the same way.
    expect((await harness.request('GET', `/api/logs/${ids.webhook.log}`)).body.endpoint).toBe(`127.0.0.1:${receiver.port}`);
  });

  it('`labwire reindex-logs` fills them again from the log documents, also for a delivery logged before endpoints were (from its request URL)', async () => {
    const db = harness.services.configStore.db;
    await harness.store.logs.updateOne({ _id: ids.webhook.log }, { $unset: { endpoint: '' } });
    await db.update(logIndex).set({ endpoint: null, labIntegrationId: null, authId: null }).where(eq(logIndex.labId, lab.labId));
    expect((await rowsOf()).every((row) => row.endpoint === null && row.auth_id === null)).toBe(true);
    await reindexLogsCommand(harness.config, () => undefined);
    expectRows(await rowsOf());
  });

  it('the migration 0009 backfills delivery rows written before it from the configuration (API rows stay as they were)', async () => {
    const db = harness.services.configStore.db;
    await db.update(logIndex).set({ endpoint: null, labIntegrationId: null, authId: null }).where(eq(logIndex.labId, lab.labId));
    const migration = readFileSync(join(__dirname, '..', 'src', 'db', 'migrations', '0009_log_index_endpoint.sql'), 'utf8');
    const backfill = migration.split('--> statement-breakpoint').find((statement) => statement.includes('UPDATE'))!;
    await db.execute(sql.raw(backfill));
    const byId = new Map((await rowsOf()).map((row) => [row.id, row]));
    expect(byId.get(ids.webhook.log)).toMatchObject({ endpoint: `127.0.0.1:${receiver.port}`, lab_integration_id: ids.webhook.trigger, auth_id: ids.webhook.auth });
    expect(byId.get(ids.mirth.log)).toMatchObject({ endpoint: `127.0.0.1:${mirthPort}`, lab_integration_id: ids.mirth.trigger, auth_id: ids.mirth.auth });
    expect(byId.get(ids.api.log)).toMatchObject({ endpoint: null, lab_integration_id: null, auth_id: null });
  });
});
