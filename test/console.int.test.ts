import { CliProcess } from './support/cli';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';
import { sweepWorkflow } from '../workflows/sweep';

type Line = Record<string, unknown> & { msg?: string; level?: number };

/** The worker's stdout is a pipe here, not a terminal: its log lines are JSON (the say lines, on stderr, are plain). */
function linesSince(worker: CliProcess, offset: number): string[] {
  return worker.output.slice(offset).split('\n').filter((line) => line.trim() !== '');
}

function jsonLines(lines: string[]): Line[] {
  return lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Line);
}

describe('the console of a worker', () => {
  // Task queues of its own: the child worker must print only this file's deliveries, not what
  // other test files left on the shared queue (retries still backing off, say).
  const queue = uniqueId('console').replace(/-/g, '_');
  const queues = { TASK_QUEUE: queue, CRELIO_TASK_QUEUE: `${queue}_crelio` };
  const harness = new Harness((c) => {
    c.temporal.taskQueue = queue;
    c.temporal.crelioTaskQueue = queues.CRELIO_TASK_QUEUE;
    c.temporal.workerQueues = [queue, queues.CRELIO_TASK_QUEUE];
  });
  const receiver = new Receiver();

  beforeAll(async () => {
    await receiver.start();
    await harness.start({ workers: false }); // the worker is a separate process, its output captured
  });
  afterAll(async () => {
    await harness.stop();
    await receiver.stop();
  });

  async function failingDelivery(worker: CliProcess) {
    const lab = await createLabFixture(harness.services.configStore.db);
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, () => ({ status: 500, body: 'partner down: patient 12345' }));
    await webhookIntegration(harness.services.configStore.db, lab, receiver.url(path));
    await worker.waitFor(/Log bodies: /);
    const offset = worker.output.length;
    const eventId = uniqueId('evt');
    expect((await harness.request('POST', '/api/events', billEvent(lab, eventId))).status).toBe(202);
    const log = await eventually(async () => {
      const [found] = await harness.logsForEvent(eventId);
      return found?.status === 'FAIL' ? found : undefined;
    }, 30_000);
    await worker.waitFor('"msg":"delivery failed"');
    expect(receiver.requestsTo(path)).toHaveLength(3); // WEBHOOK_MAX_ATTEMPTS of the test environment
    return { log, offset, path };
  }

  it('given a webhook answering 500 three times, prints at most 2 lines per attempt at the default level, each naming the log id and the reason; a retry and a sweep print one line each', async () => {
    const worker = new CliProcess(['worker'], { LOG_LEVEL: 'info', ...queues });
    try {
      const { log, offset } = await failingDelivery(worker);
      const lines = linesSince(worker, offset);
      expect(lines.length).toBeLessThanOrEqual(2 * 3);
      // JSON, one object a line: no multi-line SDK failure object, no stack, no partner body.
      expect(lines.every((line) => line.startsWith('{'))).toBe(true);
      expect(worker.output).not.toContain('Activity failed');
      expect(worker.output).not.toMatch(/\n\s+at /);
      expect(worker.output).not.toContain('patient 12345');
      const entries = jsonLines(lines);
      const host = new URL(receiver.url('/')).host;
      expect(entries.filter((e) => e.msg === 'delivery attempt failed; Temporal retries it').map((e) => [e.logId, e.reason, e.attempt])).toEqual([
        [log._id, `HTTP 500 from ${host}`, 1],
        [log._id, `HTTP 500 from ${host}`, 2],
      ]);
      expect(entries.filter((e) => e.msg === 'delivery failed')).toEqual([
        expect.objectContaining({ logId: log._id, integrationType: 'webhook', labIntegrationId: expect.any(Number), reason: 'HTTP 500' }),
      ]);

      // A retry: one line when the delivery accepts it (and its attempts' lines as above).
      const retryOffset = worker.output.length;
      expect((await harness.request('POST', `/api/logs/${log._id}/retry`, {})).status).toBe(202);
      await worker.waitFor('"msg":"retry failed"', 30_000);
      const retryEntries = jsonLines(linesSince(worker, retryOffset));
      expect(retryEntries.filter((e) => e.msg === 'retry accepted')).toEqual([expect.objectContaining({ logId: log._id, retryKind: 'manual', requestedBy: 'admin' })]);
      expect(linesSince(worker, retryOffset).length).toBeLessThanOrEqual(1 + 2 * 3);

      // A sweep run over an empty window: one line with its counts.
      const future = Date.now() + 3_600_000;
      await harness.services.temporal.workflow.execute(sweepWorkflow, {
        taskQueue: harness.config.temporal.taskQueue,
        workflowId: uniqueId('sweep'),
        args: [{ from: new Date(future).toISOString(), to: new Date(future + 1000).toISOString() }],
      });
      await worker.waitFor('"msg":"sweep finished"');
      expect(jsonLines(linesSince(worker, retryOffset)).filter((e) => e.msg === 'sweep finished')).toEqual([expect.objectContaining({ retried: 0, refused: 0 })]);
    } finally {
      worker.kill('SIGTERM');
      await worker.exited;
    }
  }, 120_000);

  it('with LOG_LEVEL=debug, the SDK\'s own activity failure entries appear too', async () => {
    const worker = new CliProcess(['worker'], { LOG_LEVEL: 'debug', ...queues });
    try {
      const { log, offset } = await failingDelivery(worker);
      const entries = jsonLines(linesSince(worker, offset));
      const sdkFailures = entries.filter((e) => e.msg === 'Activity failed' && e.activityType === 'sendAndRecordWebhook');
      expect(sdkFailures).toHaveLength(2);
      expect(sdkFailures[0]).toMatchObject({ level: 20, err: expect.objectContaining({ message: expect.stringContaining('HTTP 500') }) });
      expect(entries.some((e) => e.msg === 'delivery failed' && e.logId === log._id)).toBe(true);
    } finally {
      worker.kill('SIGTERM');
      await worker.exited;
    }
  }, 120_000);
});
