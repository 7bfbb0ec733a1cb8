import { ScheduleNotFoundError } from '@temporalio/client';
import { eq, inArray } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { logIndex, patients } from '../src/db/schema';
import type { LogDocument } from '../src/logstore/log-document';
import { logBodiesRemovedTotal } from '../src/metrics';
import { BODY_RETENTION_SCHEDULE_ID, ensureBodyRetentionSchedule } from '../src/retention/body-retention-schedule';
import { startWorkers } from '../src/worker/run-workers';
import { bodyRetentionWorkflow } from '../workflows/body-retention';
import { launchChromium, screenshot, signIn } from './support/browser';
import { eventually, prebuiltWorkflowBundle, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';
import { TEST_ADMIN_PASSWORD } from './support/test-environment';

const DAY = 86_400_000;

describe('body retention: logs older than LOG_BODY_RETENTION_DAYS lose their bodies', () => {
  // A log store database and task queues of its own, as the sweep's test: the logs of this file
  // are the only ones the removal can find in its store.
  const isolation = uniqueId('retention').replace(/-/g, '_');
  const harness = new Harness((c) => {
    c.logStore.database = `labwire_test_${isolation}`;
    c.temporal.taskQueue = isolation;
    c.temporal.crelioTaskQueue = `${isolation}_crelio`;
    c.temporal.workerQueues = [isolation, `${isolation}_crelio`];
  });
  const receiver = new Receiver();
  let lab: LabFixture;
  let firstName: string;
  let mrn: string;

  beforeAll(async () => {
    await receiver.start();
    await harness.start();
    firstName = uniqueId('Zelda').replace(/-/g, '');
    lab = await createLabFixture(harness.services.configStore.db, { first: firstName, last: 'Quarantotto' });
    const [patient] = await harness.services.configStore.db.select().from(patients).where(eq(patients.id, lab.patientId));
    mrn = patient!.mrn;
  });
  afterAll(async () => {
    await harness.stop();
    await receiver.stop();
  });

  /** Patient data a log may hold: the name and the MRN the payload carries, wherever they landed. */
  const holdsPatientData = (value: unknown) => {
    const text = JSON.stringify(value);
    return text.includes(firstName) || text.includes(mrn);
  };

  const integration = async (requestType: 0 | 1, actionCategoryId: number, path: string) => {
    const answer = await harness.request('POST', '/api/integrations', {
      labId: lab.labId,
      developerId: lab.developerId,
      integrationType: 'webhook',
      url: receiver.url(path),
      requestType,
      integrations: [{ actionCategoryId }],
    });
    expect(answer.status).toBeLessThan(300);
  };

  const deliver = async (actionCategoryId: number): Promise<LogDocument> => {
    const eventId = uniqueId('evt');
    expect((await harness.request('POST', '/api/events', billEvent(lab, eventId, actionCategoryId))).status).toBe(202);
    return (await harness.settledLogs(eventId, 1))[0]!;
  };

  /** Moves a log's times back, in the log store and in the read model, as if it had been written then. */
  const backdate = async (logId: string, days: number) => {
    const at = new Date(Date.now() - days * DAY);
    await harness.store.logs.updateOne({ _id: logId }, { $set: { inserted_at: at, activity_date: at, updated_at: at } });
    await harness.services.configStore.db.update(logIndex).set({ insertedAt: at, activityDate: at, updatedAt: at }).where(eq(logIndex.id, logId));
  };

  const runRemoval = (taskQueue = harness.config.temporal.taskQueue) =>
    harness.services.temporal.workflow.execute(bodyRetentionWorkflow, { taskQueue, workflowId: uniqueId('body-retention'), args: [{}] });

  let getFailed: LogDocument;
  let postOk: LogDocument;
  let apiLog: LogDocument;
  let young: LogDocument;
  let removedAt: Date;

  it('removes the bodies of old logs (GET query string, POST body, response, partner error, API log, retry record) and keeps their metadata; young logs keep theirs', async () => {
    // Given a GET webhook the partner refuses with a body that echoes the patient, a POST webhook
    // it accepts with one, a partner API call, and a retry of the refused one…
    const getPath = `/${uniqueId('get')}`;
    const postPath = `/${uniqueId('post')}`;
    receiver.on(getPath, (request) => ({ status: 400, body: `{"error":"unknown patient ${request.query.get('patient') ?? request.rawQuery}"}` }));
    receiver.on(postPath, (request) => ({ status: 200, body: `{"accepted":${request.body}}` }));
    await integration(0, 1, getPath);
    await integration(1, 2, postPath);
    getFailed = await deliver(1);
    postOk = await deliver(2);
    expect(getFailed).toMatchObject({ status: 'FAIL', response_status_code: 400 });
    expect(postOk).toMatchObject({ status: 'SUCCESS', response_status_code: 200 });
    const retried = await harness.request('POST', `/api/logs/${getFailed._id}/retry?wait=true`, { force: false });
    expect(retried.status).toBe(200);
    getFailed = await harness.logWhere(getFailed._id, (log) => log.retry_count === 1);

    const created = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, integrationType: 'api', url: 'http://127.0.0.1:9/hook', integrations: [{ actionCategoryId: 3 }],
    });
    const authKey = (created.body as { authKey: string }).authKey;
    expect((await harness.request('GET', `/partner/v1/reports/${lab.reportId}`, undefined, { authorization: `Bearer ${authKey}` })).status).toBe(200);
    apiLog = await eventually(async () => {
      const [found] = await harness.store.logs.find({ type: 'API', lab_id: lab.labId }).toArray();
      if (!found) return undefined;
      const [row] = await harness.services.configStore.db.select().from(logIndex).where(eq(logIndex.id, found._id));
      return row ? found : undefined;
    });
    young = await deliver(2);

    // (each holds the patient before, or the test proves nothing)
    for (const log of [getFailed, postOk, apiLog, young]) expect(holdsPatientData(log)).toBe(true);
    expect(getFailed.request?.url).toContain('?');
    expect(holdsPatientData(getFailed.error_message)).toBe(true);
    expect(holdsPatientData(await harness.logs.history(getFailed._id))).toBe(true);

    // …when three of them were last written 31 days ago and the removal runs,
    for (const log of [getFailed, postOk, apiLog]) await backdate(log._id, 31);
    const before = new Map<string, LogDocument>();
    for (const log of [getFailed, postOk, apiLog]) before.set(log._id, (await harness.logs.get(log._id))!);
    const removedTotal = async () => (await logBodiesRemovedTotal.get()).values[0]?.value ?? 0;
    const counted = await removedTotal();
    const started = Date.now();
    const result = await runRemoval();

    // then they hold no patient data, anywhere: document, read model, retry records;
    expect(result.removed).toBe(3);
    expect((await removedTotal()) - counted).toBe(3);
    for (const log of [getFailed, postOk, apiLog]) {
      const now = (await harness.logs.get(log._id))!;
      expect(holdsPatientData(now)).toBe(false);
      expect(now.response_body).toBeNull();
      expect(now.request?.body).toBeUndefined();
      expect(now.request?.url).not.toContain('?');
      expect(now.bodies_removed_at).toBeInstanceOf(Date);
      expect(now.bodies_removed_at!.getTime()).toBeGreaterThanOrEqual(started - 1_000);
      expect(now.body_retention_days).toBe(30);
      // and keep their metadata: ids, status, codes, times, counters, every attempt with its headers.
      const was = before.get(log._id)!;
      const { request: _r, response_body: _b, error_message: _e, bodies_removed_at: _at, body_retention_days: _d, ...metadata } = now;
      const { request: _wr, response_body: _wb, error_message: _we, ...wasMetadata } = was;
      expect(metadata).toEqual(wasMetadata);
      expect(now.request?.method).toBe(was.request?.method);
      expect(now.request?.headers).toEqual(was.request?.headers);
    }
    expect((await harness.logs.get(getFailed._id))!.error_message).toBe('HTTP 400');
    expect((await harness.logs.get(apiLog._id))!.request?.url).toBe(`/partner/v1/reports/${lab.reportId}`);
    const rows = await harness.services.configStore.db.select().from(logIndex).where(inArray(logIndex.id, [getFailed._id, postOk._id, apiLog._id, young._id]));
    expect(holdsPatientData(rows)).toBe(false);
    expect(rows.find((r) => r.id === getFailed._id)).toMatchObject({ errorMessage: 'HTTP 400', status: 'FAIL', retryCount: 1 });
    for (const row of rows) expect(row.bodiesRemovedAt === null).toBe(row.id === young._id);
    const records = await harness.logs.history(getFailed._id);
    expect(records).toEqual([expect.objectContaining({ kind: 'manual', status: 'FAIL', response_status_code: 400, error_message: 'HTTP 400' })]);

    // The young log keeps everything.
    expect(await harness.logs.get(young._id)).toEqual(young);
    removedAt = (await harness.logs.get(getFailed._id))!.bodies_removed_at!;
  }, 120_000);

  it('answers the mark from the API: bodies_removed_at and body_retention_days, no body', async () => {
    const answer = await harness.request('GET', `/api/logs/${postOk._id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ _id: postOk._id, status: 'SUCCESS', response_status_code: 200, response_body: null, bodies_removed_at: removedAt.toISOString(), body_retention_days: 30 });
    expect(holdsPatientData(answer.body)).toBe(false);
    const youngAnswer = await harness.request('GET', `/api/logs/${young._id}`);
    expect(youngAnswer.body).not.toHaveProperty('bodies_removed_at');
    expect(holdsPatientData(youngAnswer.body)).toBe(true);
    // Its Temporal timeline no longer shows values either (a young log's, to an admin, does).
    const timeline = await harness.request('GET', `/api/logs/${postOk._id}/history`);
    expect(timeline.status).toBe(200);
    expect((timeline.body.events as Array<{ details?: string }>).every((e) => e.details === undefined)).toBe(true);
    const youngTimeline = await harness.request('GET', `/api/logs/${young._id}/history`);
    expect((youngTimeline.body.events as Array<{ details?: string }>).some((e) => e.details !== undefined)).toBe(true);
  });

  it('drops working copies of dispatch outcomes older than the limit whose finalize never came, and keeps younger ones', async () => {
    const day = 86_400_000;
    const outcome = { kind: 'error' as const, errorMessage: 'lost before its finalize' };
    await harness.logs.storeDispatch(uniqueId('orphan-old'), young._id, outcome);
    await harness.logs.storeDispatch(uniqueId('orphan-new'), young._id, outcome);
    const [oldId, newId] = (await harness.store.dispatches.find({ log_id: young._id }).sort({ stored_at: 1 }).toArray()).map((d) => d._id);
    await harness.store.dispatches.updateOne({ _id: oldId }, { $set: { stored_at: new Date(Date.now() - 31 * day) } });
    await runRemoval();
    expect((await harness.store.dispatches.find({ log_id: young._id }).toArray()).map((d) => d._id)).toEqual([newId]);
    // A finalize that comes after its copy was dropped still ends the log (an error), never stuck QUEUED.
    expect(await harness.logs.loadDispatch(oldId!, young._id)).toEqual({ outcome: { kind: 'error', errorMessage: expect.stringMatching(/removed before it reached the log/) } });
  });

  it('is harmless when run again: nothing more is removed and the marks keep their date', async () => {
    const again = await runRemoval();
    expect(again).toMatchObject({ removed: 0 });
    for (const log of [getFailed, postOk, apiLog]) expect((await harness.logs.get(log._id))!.bodies_removed_at).toEqual(removedAt);
    expect(await harness.logs.get(young._id)).toEqual(young);
  });

  it('removes nothing with LOG_BODY_RETENTION_DAYS=0', async () => {
    const old = await deliver(2);
    await backdate(old._id, 400);
    const queue = `${isolation}_keep`;
    const keepForever = { ...harness.config, bodyRetention: { ...harness.config.bodyRetention, days: 0 }, temporal: { ...harness.config.temporal, taskQueue: queue } };
    const workers = await startWorkers(keepForever, harness.services, { queues: [queue], workflowBundle: prebuiltWorkflowBundle() });
    try {
      expect(await runRemoval(queue)).toEqual({ before: null, removed: 0, missing: 0 });
    } finally {
      await workers.stop();
    }
    const now = (await harness.logs.get(old._id))!;
    expect(now.bodies_removed_at).toBeUndefined();
    expect(holdsPatientData(now.request?.body)).toBe(true);
    const [row] = await harness.services.configStore.db.select().from(logIndex).where(eq(logIndex.id, old._id));
    expect(row?.bodiesRemovedAt).toBeNull();
  });

  it('shows "Body removed on … (retention 30 days)" in the detail view', async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      await signIn(page, harness.api.url, 'admin', TEST_ADMIN_PASSWORD, `/logs/${getFailed._id}`);
      const detail = page.locator(`[data-testid="log-detail"][data-log-id="${getFailed._id}"]`);
      await detail.waitFor();
      for (const testId of ['request-body-removed', 'response-body-removed']) {
        const note = page.getByTestId(testId);
        await note.waitFor();
        expect(await note.textContent()).toMatch(/^Body removed on .+ \(retention 30 days\)$/);
      }
      expect(await page.locator('[data-field="bodies_removed_at"] time').getAttribute('datetime')).toBe(removedAt.toISOString());
      expect(await page.locator('[data-field="error_message"]').textContent()).toContain('HTTP 400');
      expect(await detail.getAttribute('data-status')).toBe('FAIL');
      expect(holdsPatientData(await detail.textContent())).toBe(false);
      await screenshot(page, 'detail-bodies-removed');
    } finally {
      await browser?.close();
    }
  }, 60_000);

  it('a retry of a log whose bodies were removed records new ones and drops the mark', async () => {
    const retried = await harness.request('POST', `/api/logs/${postOk._id}/retry?wait=true`, { force: true });
    expect(retried.status).toBe(200);
    const now = await harness.logWhere(postOk._id, (log) => log.retry_count === 1);
    expect(now.bodies_removed_at).toBeUndefined();
    expect(now.body_retention_days).toBeUndefined();
    expect(holdsPatientData(now.request?.body)).toBe(true);
    const row = await eventually(async () => {
      const [found] = await harness.services.configStore.db.select().from(logIndex).where(eq(logIndex.id, postOk._id));
      return found && found.retryCount === 1 ? found : undefined;
    });
    expect(row.bodiesRemovedAt).toBeNull();
  });

  it('goes through every page, and on in a new run after 25 pages; a row whose log the store lacks is marked', async () => {
    const at = new Date(Date.now() - 45 * DAY);
    const ids: string[] = [];
    for (let i = 0; i < 27; i++) {
      const id = uniqueId('bulk');
      ids.push(id);
      await harness.logs.insertApiLog({
        ...postOk,
        _id: id,
        type: 'API',
        request: { method: 'GET', url: `/partner/v1/reports/1?name=${firstName}`, headers: {}, body: `{"mrn":"${mrn}"}` },
        response_body: `{"patient":"${firstName}"}`,
        response_status_code: 200,
        error_message: null,
        inserted_at: at,
        updated_at: at,
        retry_ids: [],
      });
    }
    // A log pre-created QUEUED and never dispatched: FerretDB leaves its null fields out of the document.
    const queued = uniqueId('queued');
    await harness.logs.createQueued({ ...postOk, _id: queued, status: 'QUEUED', request: null, response_body: null, response_status_code: null, error_message: null, attempts: [], inserted_at: at, updated_at: at });
    const orphan = uniqueId('orphan');
    await harness.services.configStore.db.insert(logIndex).values({ id: orphan, type: 'API', operation: 'x', status: 'SUCCESS', insertedAt: at, updatedAt: at });

    const result = await harness.services.temporal.workflow.execute(bodyRetentionWorkflow, {
      taskQueue: harness.config.temporal.taskQueue,
      workflowId: uniqueId('body-retention'),
      args: [{ pageSize: 1 }],
    });

    expect(result.removed).toBeGreaterThanOrEqual(27);
    expect(result.missing).toBeGreaterThanOrEqual(1);
    for (const id of ids) {
      const now = (await harness.logs.get(id))!;
      expect(now.bodies_removed_at).toBeInstanceOf(Date);
      expect(holdsPatientData(now)).toBe(false);
    }
    expect(await harness.logs.get(queued)).toMatchObject({ status: 'QUEUED', request: null, response_body: null, error_message: null, body_retention_days: 30 });
    const [orphanRow] = await harness.services.configStore.db.select().from(logIndex).where(eq(logIndex.id, orphan));
    expect(orphanRow?.bodiesRemovedAt).toBeInstanceOf(Date);
  }, 120_000);

  it('pages the read model oldest write first, by (updated_at, id), over logs that still have bodies', async () => {
    const db = harness.services.configStore.db;
    // Written in 1999: older than any other test's rows, so these are the first of every page.
    const t = (second: number) => new Date(Date.UTC(1999, 0, 1, 0, 0, second));
    const prefix = uniqueId('page');
    const rows = [
      { id: `${prefix}-c`, at: t(1) },
      { id: `${prefix}-a`, at: t(2) },
      { id: `${prefix}-b`, at: t(2) },
      { id: `${prefix}-gone`, at: t(3) },
      { id: `${prefix}-d`, at: t(4) },
    ];
    await db.insert(logIndex).values(rows.map((r) => ({ id: r.id, type: 'WEBHOOK' as const, operation: 'x', status: 'SUCCESS', insertedAt: r.at, updatedAt: r.at })));
    try {
      await harness.store.index.markBodiesRemoved([`${prefix}-gone`], new Date());
      const before = t(10);
      const first = await harness.store.index.withBodiesWrittenBefore(before, undefined, 2);
      const second = await harness.store.index.withBodiesWrittenBefore(before, first.at(-1), 2);
      expect([...first, ...second].map((r) => r.id)).toEqual([`${prefix}-c`, `${prefix}-a`, `${prefix}-b`, `${prefix}-d`]);
      expect(await harness.store.index.withBodiesWrittenBefore(t(4), undefined, 10)).toEqual(first.concat(second.slice(0, 1)));
    } finally {
      await db.delete(logIndex).where(inArray(logIndex.id, rows.map((r) => r.id)));
    }
  });

  it('creates its Schedule idempotently, with the configured interval and paused state; with 0 there is none', async () => {
    const client = harness.services.temporal;
    await client.schedule.getHandle(BODY_RETENTION_SCHEDULE_ID).delete().catch((error: unknown) => {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    });
    expect(await ensureBodyRetentionSchedule(client, harness.config)).toBe('created');
    expect(await ensureBodyRetentionSchedule(client, harness.config)).toBe('updated');
    const description = await eventually(() => client.schedule.getHandle(BODY_RETENTION_SCHEDULE_ID).describe());
    expect(description.state.paused).toBe(true);
    expect(description.spec.intervals?.[0]?.every).toBe(harness.config.bodyRetention.intervalMs);
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'bodyRetentionWorkflow', taskQueue: harness.config.temporal.taskQueue });

    const keepForever = { ...harness.config, bodyRetention: { ...harness.config.bodyRetention, days: 0 } };
    expect(await ensureBodyRetentionSchedule(client, keepForever)).toBe('deleted');
    expect(await ensureBodyRetentionSchedule(client, keepForever)).toBe('off');
    await expect(client.schedule.getHandle(BODY_RETENTION_SCHEDULE_ID).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    // Left as a worker start on the test settings leaves it.
    expect(await ensureBodyRetentionSchedule(client, harness.config)).toBe('created');
  });
});
