import { CliProcess } from './support/cli';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';

describe('a worker killed mid-delivery', () => {
  const harness = new Harness();
  const receiver = new Receiver();

  beforeAll(async () => {
    await receiver.start();
    await harness.start({ workers: false }); // the workers of this test are separate processes
  });
  afterAll(async () => {
    await harness.stop();
    await receiver.stop();
  });

  it('given SIGKILL right after the log is pre-created (mid-dispatch), a new worker completes the delivery: one log, not QUEUED', async () => {
    const lab = await createLabFixture(harness.services.configStore.db);
    const path = `/${uniqueId('hook')}`;
    let calls = 0;
    receiver.on(path, () => (++calls === 1 ? { status: 200, hang: true } : { status: 200, body: 'second time lucky' }));
    await webhookIntegration(harness.services.configStore.db, lab, receiver.url(path));

    // A webhook timeout the kill below always beats (the suite's 1.5 s could expire first on 2 busy
    // cores, and attempt 1 would be recorded as "No response"); the activity's start-to-close is 15 s.
    const first = new CliProcess(['worker'], { WEBHOOK_TIMEOUT_MS: '5000' });
    let second: CliProcess | undefined;
    try {
      await first.waitFor('Worker: polling task queues');
      const eventId = uniqueId('evt');
      expect((await harness.request('POST', '/api/events', billEvent(lab, eventId))).status).toBe(202);

      const queued = await eventually(async () => {
        const [log] = await harness.logsForEvent(eventId);
        return log?.status === 'QUEUED' && receiver.requestsTo(path).length === 1 ? log : undefined;
      });
      first.kill('SIGKILL');
      await first.exited;

      second = new CliProcess(['worker']);
      await second.waitFor('Worker: polling task queues');
      // The killed worker's workflow task times out on the server; this worker runs it again, and its
      // local activities with it: the log exists already (one log), the send goes out a second time.
      const log = await harness.logWhere(queued._id, (l) => l.status !== 'QUEUED', 45_000);
      expect(log).toMatchObject({ status: 'SUCCESS', response_body: 'second time lucky', response_status_code: 200 });
      expect(await harness.logsForEvent(eventId)).toHaveLength(1);
      // The killed send never returned, so only the one that answered is on the log
      expect(log.attempts.map((a) => a.statusCode ?? a.error)).toEqual([200]);
      expect(receiver.requestsTo(path)).toHaveLength(2);
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGTERM');
      await second?.exited;
    }
  });
});
