import { queuedLog } from '../activities/delivery/create-log';
import { deliveryLogId } from '../activities/delivery/log-id';
import { CliProcess } from './support/cli';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { webhookIntegration } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';

const LOGS = 500;
const CONCURRENCY = 8;

describe('bulk retry', () => {
  const harness = new Harness();
  const receiver = new Receiver();
  let lab: LabFixture;
  let path: string;
  let inFlight = 0;
  let maxInFlight = 0;

  beforeAll(async () => {
    await receiver.start();
    await harness.start({ workers: false }); // this test's workers are processes it can kill
    lab = await createLabFixture(harness.services.configStore.db);
    path = `/${uniqueId('bulk')}`;
    receiver.on(path, async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight -= 1;
      return { status: 200, body: 'ok' };
    });
    const { authId, integrations } = await webhookIntegration(harness.services.configStore.db, lab, receiver.url(path));
    // 500 failed deliveries of this lab, written as a delivery would have left them.
    const docs = Array.from({ length: LOGS }, (_, i) => {
      const eventId = uniqueId(`bulk-evt-${i}`);
      const logId = deliveryLogId(eventId, integrations[0]!.id);
      const doc = queuedLog(
        {
          event: { eventId, labId: lab.labId, actionCategoryId: 1, entity: { type: 'bill', id: lab.billId }, activityDate: new Date().toISOString() },
          target: {
            logId, authId, labIntegrationId: integrations[0]!.id, developerId: lab.developerId, developerName: 'Partner', actionCategoryId: 1,
            operation: 'Bill Generated', origin: 'livehealth', integrationType: 'webhook', payloadType: null, taskQueue: harness.config.temporal.taskQueue,
          },
          settings: { webhookTimeoutMs: 1, webhookMaxAttempts: 1, retryBaseDelayMs: 1, retryMaxDelayMs: 1, mirthAckTimeoutMs: 1, asyncCallbackTimeoutMs: 1, retentionMs: 1 },
        },
        // Half as a log of today (its event's workflow), half as one made before deliveries ran there (its own delivery-<logId>): a retry reaches both
        { workflowId: i % 2 === 0 ? `event-${lab.labId}-${eventId}` : `delivery-${logId}`, runId: 'none' },
        new Date(),
      );
      return { ...doc, status: 'FAIL' as const, error_message: 'No response' };
    });
    // Finished FAIL logs as the writer leaves them: the document and its read-model row.
    await harness.store.logs.insertMany(docs);
    await harness.store.index.insert(docs);
  });
  afterAll(async () => {
    await harness.stop();
    await receiver.stop();
  });

  it('previews the count, rejects bad input naming the field', async () => {
    const preview = await harness.request('POST', '/api/logs/retry/preview', { filter: { labId: lab.labId, status: ['FAIL'] } });
    expect(preview.body).toEqual({ count: LOGS });
    const reversed = await harness.request('POST', '/api/logs/retry/preview', { filter: { from: '2026-11-26T10:00:00Z', to: '2026-11-25T10:00:00Z' } });
    expect(reversed.status).toBe(400);
    expect(reversed.body.errors).toEqual([{ field: 'filter.to', message: 'must not be before from' }]);
    const both = await harness.request('POST', '/api/logs/retry', { filter: { labId: lab.labId }, ids: ['aaaaaaaaaaaaaaaaaaaaaaaa'] });
    expect(both.status).toBe(400);
    expect(both.body.errors[0].field).toBe('filter');
    const unknown = await harness.request('GET', '/api/bulk-retries/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    const cancelUnknown = await harness.request('POST', '/api/bulk-retries/00000000-0000-4000-8000-000000000000/cancel');
    expect(cancelUnknown.status).toBe(404);
    expect(cancelUnknown.body.errors).toEqual([{ field: 'id', message: 'bulk retry 00000000-0000-4000-8000-000000000000 does not exist' }]);
  });

  it(`retries all ${LOGS} with bounded concurrency, progress moves, and a worker killed mid-way neither loses nor doubles a retry`, async () => {
    const worker = new CliProcess(['worker']);
    let replacement: CliProcess | undefined;
    try {
      await worker.waitFor('Worker: polling task queues');
      const started = await harness.request('POST', '/api/logs/retry', { filter: { labId: lab.labId, status: ['FAIL'] }, concurrency: CONCURRENCY });
      expect(started.status).toBe(202);
      const progressOf = async () => (await harness.request('GET', `/api/bulk-retries/${started.body.bulkId}`)).body as { total: number; done: number; state: string };

      const seen: number[] = [];
      await eventually(async () => {
        const p = await progressOf();
        if (typeof p.done === 'number') seen.push(p.done); // the first query may come before the workflow's first task
        return p.done >= 100;
      }, 150_000, 250);
      worker.kill('SIGKILL');
      await worker.exited;
      replacement = new CliProcess(['worker']);
      await replacement.waitFor('Worker: polling task queues');
      const final = await eventually(async () => {
        const p = await progressOf();
        if (typeof p.done === 'number') seen.push(p.done);
        return p.state === 'done' ? p : undefined;
      }, 240_000, 500);

      expect(final).toMatchObject({ total: LOGS, done: LOGS, succeeded: LOGS, refused: 0, failed: 0 });
      expect(new Set(seen).size).toBeGreaterThan(3);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(maxInFlight).toBeLessThanOrEqual(CONCURRENCY);

      const logs = await harness.store.logs.find({ lab_id: lab.labId }).toArray();
      expect(logs.every((l) => l.status === 'SUCCESS' && l.retry_count === 1)).toBe(true);
      const records = await harness.store.retries.find({ log_id: { $in: logs.map((l) => l._id) } }).toArray();
      expect(records).toHaveLength(LOGS);
      expect(records.every((r) => r.kind === 'bulk')).toBe(true);
      const received = new Set(receiver.requestsTo(path).map((r) => r.headers['idempotency-key']));
      expect(received.size).toBe(LOGS);
    } finally {
      worker.kill('SIGKILL');
      replacement?.kill('SIGTERM');
      await replacement?.exited;
    }
  }, 420_000);
});
