import { MockActivityEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { createBulkRetryActivities } from '../activities/bulk-retry';
import { runCli } from './support/cli';
import { createLabwireClient } from '../src/client';
import { billItems } from '../src/db/schema';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver, type Reply } from './support/receiver';
import { SseClient } from './support/sse-client';

describe('manual retries', () => {
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

  /** A delivery whose every first-dispatch attempt got `first`; once it is final the receiver answers `then`. */
  async function delivered(first: Reply, then: Reply = { status: 200, body: 'ok now' }, actionCategoryId = 1) {
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, first);
    await webhookIntegration(harness.services.configStore.db, lab, receiver.url(path), actionCategoryId);
    const eventId = uniqueId('evt');
    expect((await harness.request('POST', '/api/events', billEvent(lab, eventId, actionCategoryId))).status).toBe(202);
    const [log] = await harness.settledLogs(eventId, 1);
    receiver.on(path, then);
    return { log: log!, path };
  }

  it('FAIL → partner fixed → retry → SUCCESS, retry_count 1, one retry record, and an SSE client saw the change live', async () => {
    const { log, path } = await delivered({ status: 500, body: 'down for maintenance' });
    expect(log.status).toBe('FAIL');
    const stream = await new SseClient().connect(`${harness.api.url}/api/stream`, await harness.adminCookie());
    try {
      const retry = await harness.request('POST', `/api/logs/${log._id}/retry?wait=true`, {});
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ accepted: true, logId: log._id, result: { status: 'SUCCESS' } });

      const after = await harness.request('GET', `/api/logs/${log._id}`);
      expect(after.body).toMatchObject({ status: 'SUCCESS', retry_count: 1, auto_retry_count: 0, response_body: 'ok now', error_message: null });
      expect(after.body.retries).toHaveLength(1);
      expect(after.body.retries[0]).toMatchObject({ retry_id: retry.body.retryId, kind: 'manual', status: 'SUCCESS', response_status_code: 200 });
      expect(receiver.requestsTo(path).length).toBeGreaterThanOrEqual(4); // 3 failed attempts + the retry

      const seen = await eventually(async () => stream.events.find((e) => e.data.logId === log._id && e.data.status === 'SUCCESS'));
      const finalizedAt = new Date(after.body.updated_at as string).getTime();
      expect(seen.receivedAt - finalizedAt).toBeLessThan(5_000); // pushed, not polled: well under the dashboard's patience even on 2 loaded cores
      expect(seen.data.retryId).toBe(retry.body.retryId);
    } finally {
      await stream.close();
    }
  });

  it('sends the live data: a bill edited between the failed attempt and the retry arrives edited', async () => {
    const { log, path } = await delivered({ status: 400, body: 'bad total' });
    await harness.services.configStore.db.update(billItems).set({ price: 999.99 }).where(eq(billItems.billId, lab.billId));
    await harness.request('POST', `/api/logs/${log._id}/retry?wait=true`, {});
    const sent = JSON.parse(receiver.requestsTo(path).at(-1)!.body) as { bill: { totalAmount: number; items: Array<{ price: number }> } };
    expect(sent.bill.items.map((i) => i.price)).toEqual([999.99, 999.99]);
    expect(sent.bill.totalAmount).toBe(1999.98);
  });

  it('reopens the event workflow, which closed at the outcome: same log id, a new run that closes after the retry', async () => {
    const { log } = await delivered({ status: 404, body: 'gone' });
    const handle = harness.services.temporal.workflow.getHandle(log.workflow_id!);
    const first = await eventually(async () => {
      const description = await handle.describe();
      return description.status.name === 'COMPLETED' ? description : undefined;
    });

    const retry = await harness.request('POST', `/api/logs/${log._id}/retry?wait=true`, {});
    expect(retry.status).toBe(200);
    expect(retry.body.result).toMatchObject({ logId: log._id, status: 'SUCCESS' });
    const reopened = await harness.services.temporal.workflow.getHandle(log.workflow_id!).describe();
    expect(reopened.runId).not.toBe(first.runId);
    expect(reopened.type).toBe('businessEventWorkflow');
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED');
    expect(await harness.store.logs.countDocuments({ event_id: log.event_id })).toBe(1);
  });

  it('two retry requests at once: one dispatch runs, the other is refused with 409 (not queued)', async () => {
    const { log, path } = await delivered({ status: 500, body: 'x' }, { status: 200, body: 'slow ok' });
    const before = receiver.requestsTo(path).length;
    receiver.on(path, async () => {
      await new Promise((resolve) => setTimeout(resolve, 800));
      return { status: 200, body: 'slow ok' };
    });
    const answers = await Promise.all([
      harness.request('POST', `/api/logs/${log._id}/retry`, {}),
      harness.request('POST', `/api/logs/${log._id}/retry`, {}),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    expect(answers.find((a) => a.status === 409)?.body.detail).toContain('already running');
    await harness.logWhere(log._id, (l) => l.status === 'SUCCESS');
    expect(receiver.requestsTo(path).length - before).toBe(1);
  });

  it('a SUCCESS log is re-sent only with force: 409 without it', async () => {
    const { log, path } = await delivered({ status: 200, body: 'fine' });
    const refused = await harness.request('POST', `/api/logs/${log._id}/retry`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe(`Log ${log._id} is already SUCCESS; send force to resend it.`);
    const before = receiver.requestsTo(path).length;
    const forced = await harness.request('POST', `/api/logs/${log._id}/retry?wait=true`, { force: true });
    expect(forced.status).toBe(200);
    expect(receiver.requestsTo(path).length).toBe(before + 1);
    expect((await harness.logs.get(log._id))?.retry_count).toBe(1);
  });

  it('a crelio-app (60) delivery is retried on the crelio-app task queue', async () => {
    const { log } = await delivered({ status: 500, body: 'x' }, { status: 200 }, 60);
    expect(log).toMatchObject({ origin: 'crelio-app', triggered_by_py3: true });
    // The event workflow closed at the outcome; the retry reopens it on crelio-app's queue, and sends there
    await harness.request('POST', `/api/logs/${log._id}/retry?wait=true`, {});
    const handle = harness.services.temporal.workflow.getHandle(log.workflow_id!);
    expect((await handle.describe()).taskQueue).toBe(harness.config.temporal.crelioTaskQueue);
    const scheduled = (await handle.fetchHistory()).events?.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.taskQueue?.name] : [])) ?? [];
    expect(scheduled).toEqual([harness.config.temporal.crelioTaskQueue]);
  });

  it('the client library retries a delivery too, and answers (never throws) when it cannot', async () => {
    const { log } = await delivered({ status: 500, body: 'x' });
    const config = harness.config;
    const client = createLabwireClient({
      temporalAddress: config.temporal.address, databaseUrl: config.postgres.url, logStoreUrl: config.logStore.url,
      logStoreDatabase: config.logStore.database, taskQueue: config.temporal.taskQueue, crelioTaskQueue: config.temporal.crelioTaskQueue,
    });
    try {
      expect(await client.retryDelivery(log._id, { wait: true })).toMatchObject({ ok: true, logId: log._id, result: { status: 'SUCCESS' } });
      expect(await client.retryDelivery('cccccccccccccccccccccccc')).toEqual({ ok: false, error: 'log cccccccccccccccccccccccc does not exist' });
    } finally {
      await client.close();
    }
  });

  it('a bulk retry step run again (its worker died before it reported) answers from the retry record: not refused, not sent twice', async () => {
    const { log, path } = await delivered({ status: 500, body: 'x' });
    const activities = createBulkRetryActivities({ config: harness.config, db: harness.services.configStore.db, logs: harness.logs, temporal: harness.services.temporal });
    const step = { logId: log._id, retryId: uniqueId('bulk-step'), force: false, requestedBy: 'test' };
    const env = new MockActivityEnvironment();
    expect(await env.run(activities.bulkRetryOne, step)).toEqual({ logId: log._id, refused: false, status: 'SUCCESS' });
    // By the time the step runs again, the run the retry opened has closed too.
    await eventually(async () => (await harness.services.temporal.workflow.getHandle(log.workflow_id!).describe()).status.name === 'COMPLETED');
    const sent = receiver.requestsTo(path).length;
    expect(await env.run(activities.bulkRetryOne, step)).toEqual({ logId: log._id, refused: false, status: 'SUCCESS' });
    expect(receiver.requestsTo(path)).toHaveLength(sent);
    expect(await harness.logs.history(log._id)).toHaveLength(1);
  });

  it('reports webhook logs QUEUED for long (they are not swept)', async () => {
    const { log } = await delivered({ status: 200 });
    await harness.store.logs.updateOne({ _id: log._id }, { $set: { status: 'QUEUED', inserted_at: new Date(Date.now() - 3_600_000) } });
    const report = await harness.request('GET', '/api/logs/stuck?olderThanMs=1800000');
    expect(report.status).toBe(200);
    expect(report.body.logs.map((l: { _id: string }) => l._id)).toContain(log._id);
    const bad = await harness.request('GET', '/api/logs/stuck?olderThanMs=soon');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('olderThanMs');
  });

  it.each([
    ['an unknown log id', 'aaaaaaaaaaaaaaaaaaaaaaaa', {}, 404, 'id'],
    ['a malformed log id', 'not-a-log', {}, 400, 'id'],
    ['a force that is not a boolean', null, { force: 'yes' }, 400, 'force'],
  ])('bad input (%s) → %s naming the field', async (_name, id, body, status, field) => {
    const logId = id ?? (await delivered({ status: 500, body: 'x' })).log._id;
    const response = await harness.request('POST', `/api/logs/${logId}/retry`, body);
    expect(response.status).toBe(status);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});

describe('labwire retry', () => {
  it('refuses a malformed id with the usage, and says why an unknown log is not retried', () => {
    const malformed = runCli(['retry', 'nope']);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain('Usage: labwire retry <logId> [--force]');
    const unknown = runCli(['retry', 'bbbbbbbbbbbbbbbbbbbbbbbb']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('Not retried: log bbbbbbbbbbbbbbbbbbbbbbbb does not exist');
  });
});
