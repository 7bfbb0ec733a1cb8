import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { auditEvents, patients } from '../src/db/schema';
import { connectTemporal, connectWorker } from '../src/temporal/connection';
import { decodeHistory } from '../src/temporal/history-decode';
import { AesGcmPayloadCodec, generatePayloadKeyLine, keysFromKeyFile, labwireDataConverter, parsePayloadKeys, type PayloadKeySource } from '../src/temporal/payload-codec';
import { createStackActivities } from '../activities/stack';
import { eventDeliveriesQuery } from '../workflows/definitions';
import { ping } from '../workflows/ping';
import { eventually, prebuiltWorkflowBundle, uniqueId } from './support/fixtures';
import { ApiClient } from './support/api-client';
import { Harness } from './support/harness';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { startWithPartners } from './support/partners';
import { workflowShow } from './support/temporal-cli';

/**
 * The output as a reader sees it: the CLI prints payload data in base64, so every payload's data
 * is added decoded (a plain JSON payload would show its patient data here).
 */
function readable(shown: string): string {
  const texts: string[] = [shown];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const maybe = node as { metadata?: unknown; data?: unknown };
    if (maybe.metadata && typeof maybe.data === 'string') texts.push(Buffer.from(maybe.data, 'base64').toString('utf8'));
    for (const value of Object.values(node)) walk(value);
  };
  walk(JSON.parse(shown));
  return texts.join('\n');
}

/** The dev server's SQLite database as bytes on disk, with its write-ahead log (the stack runs it with WAL). */
function temporalDatabaseFiles(harness: Harness): Buffer {
  const file = join(harness.config.dataDir, 'temporal', 'temporal.sqlite');
  if (!existsSync(file)) throw new Error(`no Temporal database at ${file}: the test stack must run the dev server with a db file`);
  return Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}

function sessionToken(cookie: Record<string, string>): string {
  const token = /labwire_session=([^;]+)/.exec(cookie.cookie ?? '')?.[1];
  if (!token) throw new Error('no session cookie');
  return token;
}

describe('encrypted Temporal payloads', () => {
  const harness = new Harness((c) => {
    c.delivery.asyncCallbackTimeoutMs = 60_000;
  });
  const partners = startWithPartners(harness);
  const { receiver, peer } = partners;

  /** A patient whose name and MRN exist nowhere else. */
  async function uniquePatient(): Promise<{ lab: LabFixture; first: string; last: string; mrn: string }> {
    const first = uniqueId('Zephyrine');
    const last = uniqueId('Quillfeather');
    const lab = await createLabFixture(harness.services.configStore.db, { first, last });
    const [row] = await harness.services.configStore.db.select({ mrn: patients.mrn }).from(patients).where(eq(patients.id, lab.patientId));
    return { lab, first, last, mrn: row!.mrn };
  }

  async function integrate(lab: LabFixture, body: Record<string, unknown>): Promise<{ authKey: string }> {
    const response = await harness.request('POST', '/api/integrations', { labId: lab.labId, developerId: lab.developerId, integrations: [{ actionCategoryId: 1 }], ...body });
    expect(response.status).toBe(201);
    return response.body as { authKey: string };
  }

  /** Webhook GET, webhook POST, Mirth and an async vendor (whose callback carries the name and MRN), delivered in full. */
  const decodeRows = () => harness.services.configStore.db.select().from(auditEvents).where(eq(auditEvents.action, 'temporal_codec.decode'));

  async function fullDelivery() {
    const patient = await uniquePatient();
    const { lab, first, last, mrn } = patient;
    const path = `/${uniqueId('enc')}`;
    receiver.on(`${path}/post`, { status: 200, body: `{"received":"${first}"}` }).on(`${path}/get`, { status: 200 }).on(`${path}/vendor`, { status: 202, body: `{"queued":"${mrn}"}` });
    await integrate(lab, { integrationType: 'webhook', url: receiver.url(`${path}/post`), requestType: 1 });
    await integrate(lab, { integrationType: 'webhook', url: receiver.url(`${path}/get`), requestType: 0 });
    await integrate(lab, { integrationType: 'mirth', payloadType: 'ORM', extraDetails: { host: '127.0.0.1', port: partners.mirthPort } });
    const vendor = await integrate(lab, { integrationType: 'async_vendor', url: receiver.url(`${path}/vendor`), extraDetails: { vendor: 'QuickCourier' } });

    const eventId = uniqueId('evt');
    const emitted = await harness.request('POST', '/api/events', { eventId, labId: lab.labId, actionCategoryId: 1, entity: { type: 'bill', id: lab.billId }, activityDate: new Date().toISOString() });
    expect(emitted.status).toBe(202);
    const logs = await eventually(async () => {
      const found = await harness.logsForEvent(eventId);
      return found.length === 4 && found.every((l) => l.status !== 'QUEUED' || l.integration_type === 'async_vendor') ? found : undefined;
    }, 20_000);
    const vendorLog = logs.find((l) => l.integration_type === 'async_vendor')!;
    const handle = harness.services.temporal.workflow.getHandle(vendorLog.workflow_id!);
    await eventually(async () => (await handle.query(eventDeliveriesQuery)).find((d) => d.logId === vendorLog._id)?.phase === 'awaiting-callback');
    const callback = await harness.request('POST', `/partner/v1/callbacks/${vendorLog._id}`, { status: 'SUCCESS', data: { patient: `${first} ${last}`, mrn } }, { authorization: `Bearer ${vendor.authKey}` });
    expect(callback.status).toBe(202);
    await harness.logWhere(vendorLog._id, (l) => l.status === 'SUCCESS');
    const settled = await harness.settledLogs(eventId, 4);

    // The patient data really travelled: to each partner, and into the logs.
    expect(settled.map((l) => l.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(receiver.requestsTo(`${path}/post`)[0]?.body).toContain(first);
    expect(decodeURIComponent(receiver.requestsTo(`${path}/get`)[0]?.rawQuery ?? '')).toContain(first);
    expect(peer.received.some((m) => m.toString().includes(first))).toBe(true);
    expect((await harness.logs.get(vendorLog._id))?.response_body).toContain(mrn);
    const workflowIds = [`event-${lab.labId}-${eventId}`, ...settled.map((l) => l.workflow_id!)];
    return { ...patient, logs: settled, vendorLog, workflowIds };
  }

  it('a full delivery by webhook GET and POST, Mirth and an async vendor leaves the name and MRN nowhere in `temporal workflow show` nor in the dev server database; the timeline shows them decoded', async () => {
    const { first, last, mrn, logs, vendorLog, workflowIds } = await fullDelivery();
    // The dispatch outcomes' working copies are gone once their logs hold them: the bodies are kept once.
    expect(await harness.store.dispatches.countDocuments({ log_id: { $in: logs.map((log) => log._id) } })).toBe(0);
    for (const workflowId of workflowIds) {
      const shown = readable(await workflowShow(harness, workflowId));
      expect(shown).toContain(workflowId);
      for (const secret of [first, last, mrn]) expect(shown).not.toContain(secret);
    }

    // On disk: the workflow ids are there (so this is the right, flushed database), the patient is not.
    const database = temporalDatabaseFiles(harness);
    for (const workflowId of workflowIds) expect(database.includes(Buffer.from(workflowId))).toBe(true);
    for (const secret of [first, last, mrn]) expect(database.includes(Buffer.from(secret))).toBe(false);

    // The dashboard's timeline decodes: the vendor's callback signal shows the name and MRN.
    const timeline = await harness.request('GET', `/api/logs/${vendorLog._id}/history`);
    expect(timeline.status).toBe(200);
    const events = (timeline.body as { events: Array<{ type: string; summary: string; details?: string }> }).events;
    const signal = events.find((e) => e.type === 'WorkflowExecutionSignaled');
    expect(signal?.details).toContain(`${first} ${last}`);
    expect(signal?.details).toContain(mrn);
    // and the vendor's send, recorded as QUEUED while its callback is awaited, shows its decoded report
    const sends = events.filter((e) => e.summary.startsWith('sendAndRecordWebhook (local activity) completed')).map((e) => e.details ?? '');
    expect(sends.find((details) => details.includes('"awaitingCallback":true'))).toMatch(/"status":"QUEUED"/);
    expect((await decodeRows()).filter((row) => row.targetId === vendorLog._id)).toHaveLength(1);

    // A viewer (below TEMPORAL_CODEC_ROLE) gets the steps without their values.
    const viewer = await harness.as('viewer');
    const viewed = await viewer.request('GET', `/api/logs/${vendorLog._id}/history`);
    expect(viewed.status).toBe(200);
    const viewedEvents = (viewed.body as { events: Array<{ type: string; details?: string }> }).events;
    expect(viewedEvents.map((e) => e.type)).toEqual(events.map((e) => e.type));
    expect(viewedEvents.every((e) => e.details === undefined)).toBe(true);
    expect(JSON.stringify(viewed.body)).not.toContain(mrn);
    expect((await decodeRows()).filter((row) => row.targetId === vendorLog._id)).toHaveLength(1);
  });

  it('the codec endpoint decodes for the temporal CLI with an operator session as bearer; anonymous is 401, a viewer 403', async () => {
    const { lab, first, mrn, vendorLog } = await fullDelivery();
    const endpoint = `${harness.api.url}/api/temporal-codec`;
    const operator = await harness.as('operator');
    const token = sessionToken(await operator.cookieHeader());

    const codec = new AesGcmPayloadCodec(keysFromKeyFile(harness.config.dataDir));
    const [sealed] = await codec.encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(mrn)) }]);
    const body = { payloads: [{ metadata: Object.fromEntries(Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(sealed!.data!).toString('base64') }] };
    const call = (headers: Record<string, string>) =>
      fetch(`${endpoint}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

    expect((await call({})).status).toBe(401);
    const viewer = await harness.as('viewer');
    expect((await call(await viewer.cookieHeader())).status).toBe(403);
    expect((await call({ authorization: `Bearer ${sessionToken(await viewer.cookieHeader())}` })).status).toBe(403);
    // An operator limited to a lab may not: the codec would decode every lab's histories.
    const limitedName = uniqueId('codec-limited');
    const limitedUser = await harness.request('POST', '/api/users', { username: limitedName, role: 'operator', labIds: [lab.labId] });
    expect(limitedUser.status).toBe(201);
    const limited = new ApiClient(harness.api.url, { username: limitedName, password: limitedUser.body.password });
    const refused = await call(await limited.cookieHeader());
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/limited to labs/);

    const auditedBefore = await decodeRows();
    const ok = await call({ ...(await operator.cookieHeader()), 'x-namespace': harness.config.temporal.namespace });
    expect(ok.status).toBe(200);
    // One audit row per decode call, naming who and how many payloads; refused calls leave none.
    const audited = (await decodeRows()).filter((row) => !auditedBefore.some((before) => before.id === row.id));
    expect(audited.map((row) => [row.actorName, row.detail])).toEqual([['test-operator', { payloads: 1, namespace: harness.config.temporal.namespace }]]);
    const answer = (await ok.json()) as { payloads: Array<{ data: string }> };
    expect(answer.payloads).toHaveLength(1);
    expect(Buffer.from(answer.payloads[0]!.data, 'base64').toString()).toBe(JSON.stringify(mrn));
    expect((await call({ ...(await operator.cookieHeader()), 'x-namespace': 'someone-else' })).status).toBe(403);

    expect((await call({ authorization: `Bearer ${token}`, 'x-namespace': '' })).status).toBe(200);
    const decoded = readable(await workflowShow(harness, vendorLog.workflow_id!, { endpoint, auth: `Bearer ${token}` }));
    expect(decoded).toContain(first);
    expect(decoded).toContain(mrn);

    // The Web UI's preflight: its origin is echoed with credentials; another origin gets no CORS.
    const uiOrigin = new URL(harness.config.temporal.uiUrl).origin;
    const preflight = await fetch(`${endpoint}/decode`, { method: 'OPTIONS', headers: { origin: uiOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/x-namespace/);
    const foreign = await fetch(`${endpoint}/decode`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a history written with an old key still decodes after a rotation to "new,old"', async () => {
    const oldKeys: PayloadKeySource = { kind: 'keys', keys: parsePayloadKeys(generatePayloadKeyLine('old')) };
    const oldLine = `old:${oldKeys.keys.keys[0]!.key.toString('base64')}`;
    const rotated: PayloadKeySource = { kind: 'keys', keys: parsePayloadKeys(`${generatePayloadKeyLine('new')},${oldLine}`) };
    const { temporal } = harness.config;
    const taskQueue = uniqueId('rotation');
    const secret = uniqueId('Patient Rotated');
    const clientWith = async (keys: PayloadKeySource) => new Client({ connection: await connectTemporal(temporal), namespace: temporal.namespace, dataConverter: labwireDataConverter(keys) });
    const workerWith = async (keys: PayloadKeySource) =>
      Worker.create({ connection: await connectWorker(temporal), namespace: temporal.namespace, taskQueue, workflowBundle: prebuiltWorkflowBundle(), activities: createStackActivities(), dataConverter: labwireDataConverter(keys) });

    const before = await clientWith(oldKeys);
    const oldWorker = await workerWith(oldKeys);
    const workflowId = uniqueId('rotation');
    await oldWorker.runUntil(before.workflow.execute(ping, { workflowId, taskQueue, args: [secret] }));
    await before.connection.close();
    expect(readable(await workflowShow(harness, workflowId))).not.toContain(secret);

    // Restarted with the new key first: the old run's input and result decode; new writes use "new".
    const after = await clientWith(rotated);
    try {
      expect((await after.workflow.getHandle(workflowId).result()).message).toBe(secret);
      const history = await after.workflow.getHandle(workflowId).fetchHistory();
      await decodeHistory(new AesGcmPayloadCodec(rotated.keys), history.events ?? []);
      expect(JSON.stringify(history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.map((p) => Buffer.from(p.data!).toString()))).toContain(secret);
      const newWorker = await workerWith(rotated);
      const second = uniqueId('rotation');
      await newWorker.runUntil(after.workflow.execute(ping, { workflowId: second, taskQueue, args: [secret] }));
      const written = await after.workflow.getHandle(second).fetchHistory();
      const keyId = written.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.metadata?.['encryption-key-id'];
      expect(Buffer.from(keyId!).toString()).toBe('new');
    } finally {
      await after.connection.close();
    }
    // Without the old key the old history cannot be read.
    const onlyNew = await clientWith({ kind: 'keys', keys: parsePayloadKeys(generatePayloadKeyLine('new')) });
    try {
      await expect(onlyNew.workflow.getHandle(workflowId).result()).rejects.toThrow(/key "old"/);
    } finally {
      await onlyNew.connection.close();
    }
  });
});
