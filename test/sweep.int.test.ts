import { ScheduleNotFoundError } from '@temporalio/client';
import { ensureSweepSchedule, SWEEP_SCHEDULE_ID } from '../src/retries/sweep-schedule';
import type { LogDocument } from '../src/logstore/log-document';
import { sweepWorkflow } from '../workflows/sweep';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';

const MINUTE = 60_000;

describe('automatic retries: the sweep', () => {
  // A log store database and task queues of its own: a sweep looks at every log in its window,
  // and the logs other test files leave behind must not be in it.
  const isolation = uniqueId('sweep').replace(/-/g, '_');
  const harness = new Harness((c) => {
    c.logStore.database = `labwire_test_${isolation}`;
    c.temporal.taskQueue = isolation;
    c.temporal.crelioTaskQueue = `${isolation}_crelio`;
    c.temporal.workerQueues = [isolation, `${isolation}_crelio`];
  });
  const receiver = new Receiver();

  beforeAll(async () => {
    await receiver.start();
    await harness.start();
  });
  afterAll(async () => {
    await harness.stop();
    await receiver.stop();
  });

  it('retries exactly the eligible logs (retryable error, or Mirth QUEUED past the threshold) and counts auto retries', async () => {
    const lab = await createLabFixture(harness.services.configStore.db);
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, { status: 200, body: 'fine now' });
    await webhookIntegration(harness.services.configStore.db, lab, receiver.url(path));
    const logIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const eventId = uniqueId('evt');
      await harness.request('POST', '/api/events', billEvent(lab, eventId));
      logIds.push((await harness.settledLogs(eventId, 1))[0]!._id);
    }
    const now = Date.now();
    const shape = async (logId: string, fields: Partial<LogDocument>) => harness.store.logs.updateOne({ _id: logId }, { $set: fields });
    const [noResponse, badRequest, exhausted, tooOld, mirthQueued, webhookQueued] = logIds as [string, string, string, string, string, string];
    await shape(noResponse, { status: 'FAIL', error_message: 'No response', response_status_code: null });
    await shape(badRequest, { status: 'FAIL', error_message: 'field total is required', response_status_code: 400 });
    await shape(exhausted, { status: 'FAIL', error_message: 'No response', auto_retry_count: 3 });
    await shape(tooOld, { status: 'FAIL', error_message: 'connect ECONNREFUSED 127.0.0.1:9', inserted_at: new Date(now - 120 * MINUTE) });
    await shape(mirthQueued, { status: 'QUEUED', error_message: null, integration_type: 'mirth', inserted_at: new Date(now - 11 * MINUTE) });
    await shape(webhookQueued, { status: 'QUEUED', error_message: null, inserted_at: new Date(now - 11 * MINUTE) });
    // The logs were reshaped by hand
    // (each event workflow closed when its delivery finished; a retry reopens it from the log as it now reads)

    const result = await harness.services.temporal.workflow.execute(sweepWorkflow, {
      taskQueue: harness.config.temporal.taskQueue,
      workflowId: uniqueId('sweep'),
      args: [{ from: new Date(now - 60 * MINUTE).toISOString(), to: new Date(now + MINUTE).toISOString() }],
    });

    for (const logId of [noResponse, mirthQueued]) {
      // The sweep only starts the retries; a retry's record is its last write (after the counter and the outcome).
      const history = await eventually(async () => {
        const records = await harness.logs.history(logId);
        return records.length > 0 ? records : undefined;
      }, 20_000);
      expect(history).toEqual([expect.objectContaining({ kind: 'auto', requested_by: 'sweep' })]);
      expect(await harness.logs.get(logId)).toMatchObject({ auto_retry_count: 1, retry_count: 0 });
    }
    expect((await harness.logs.get(noResponse))?.status).toBe('SUCCESS');
    for (const logId of [badRequest, exhausted, tooOld, webhookQueued]) {
      expect(await harness.logs.history(logId)).toEqual([]);
    }
    expect((await harness.logs.get(exhausted))?.auto_retry_count).toBe(3);
    expect(result.retried).toBe(2);
  }, 120_000);

  it('creates its Schedule idempotently, with the configured interval and paused state', async () => {
    const client = harness.services.temporal;
    await client.schedule.getHandle(SWEEP_SCHEDULE_ID).delete().catch((error: unknown) => {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    });
    expect(await ensureSweepSchedule(client, harness.config)).toBe('created');
    expect(await ensureSweepSchedule(client, harness.config)).toBe('updated');
    const description = await eventually(() => client.schedule.getHandle(SWEEP_SCHEDULE_ID).describe());
    expect(description.state.paused).toBe(true);
    expect(description.spec.intervals?.[0]?.every).toBe(harness.config.sweep.intervalMs);
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'sweepWorkflow', taskQueue: harness.config.temporal.taskQueue });
  });
});
