import { CliProcess } from './support/cli';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';

jest.setTimeout(240_000);

/**
 * Flow control per endpoint across worker processes (issue 13, items 2 and 4): two `labwire worker`
 * processes share the deliveries; an endpoint limited to 2 in flight never sees a third request at
 * once, one limited to 5 per second takes at least 19.8 s for 100; and deliveries waiting for a
 * paused endpoint survive a SIGKILL of the workers: none lost, none sent twice.
 */
describe('endpoint flow control across two worker processes', () => {
  const harness = new Harness();
  const narrow = new Receiver();
  const slow = new Receiver();
  const paused = new Receiver();
  const workers: CliProcess[] = [];
  let lab: LabFixture;

  const integrate = async (receiver: Receiver, path: string, actionCategoryId: number, flowControl?: Record<string, unknown>) => {
    const added = await harness.request('POST', '/api/integrations', {
      labId: lab.labId,
      developerId: lab.developerId,
      integrationType: 'webhook',
      url: receiver.url(path),
      ...(flowControl ? { extraDetails: { flowControl } } : {}),
      integrations: [{ actionCategoryId }],
    });
    expect(added.status).toBe(201);
  };
  const emitMany = async (count: number, actionCategoryId: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 10) {
      const batch = Array.from({ length: Math.min(10, count - i) }, () => billEvent(lab, uniqueId('flow'), actionCategoryId));
      await Promise.all(batch.map(async (event) => expect((await harness.request('POST', '/api/events', event)).status).toBe(202)));
      ids.push(...batch.map((event) => event.eventId));
    }
    return ids;
  };
  const startWorker = async () => {
    // A timeout no starved worker reaches on a loopback 200 (the suite's 1.5 s can expire on 2 busy
    // cores, and the attempt would be sent again): every send here is answered at once.
    const worker = new CliProcess(['worker'], { WEBHOOK_TIMEOUT_MS: '10000' });
    workers.push(worker);
    await worker.waitFor('Worker: polling task queues');
    return worker;
  };

  beforeAll(async () => {
    await Promise.all([narrow.start(), slow.start(), paused.start()]);
    await harness.start({ workers: false });
    lab = await createLabFixture(harness.services.configStore.db);
    await Promise.all([startWorker(), startWorker()]);
  });
  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await Promise.all(workers.map((worker) => worker.exited));
    await harness.stop();
    await Promise.all([narrow.stop(), slow.stop(), paused.stop()]);
  });

  it('keeps at most 2 in flight to one endpoint and at most 5 per second to another, across both workers', async () => {
    let inFlight = 0;
    let most = 0;
    narrow.on('/narrow', async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 100));
      inFlight--;
      return { status: 200, body: '{}' };
    });
    slow.on('/slow', (request) => {
      request.observed = Date.now();
      return { status: 200, body: '{}' };
    });
    await integrate(narrow, '/narrow', 1, { maxInFlight: 2 });
    await integrate(slow, '/slow', 2, { ratePerSecond: 5 });

    const [narrowIds, slowIds] = await Promise.all([emitMany(100, 1), emitMany(100, 2)]);
    for (const eventId of [...narrowIds, ...slowIds]) expect((await harness.settledLogs(eventId, 1, 120_000))[0]!.status).toBe('SUCCESS');

    expect(narrow.requestsTo('/narrow')).toHaveLength(100);
    expect(most).toBe(2);
    const times = slow.requestsTo('/slow').map((r) => Number(r.observed));
    expect(times).toHaveLength(100);
    // 100 sends at 5 per second: the first and the last are at least 99 gaps of 200 ms apart.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(19_000);
  });

  it('holds 50 deliveries for a paused endpoint through a SIGKILL of both workers: none lost, none sent twice', async () => {
    paused.on('/paused', { status: 200, body: '{}' });
    await integrate(paused, '/paused', 3);
    const endpoint = new URL(paused.url('/')).host;
    expect((await harness.request('POST', '/api/endpoints/pause', { endpoint, reason: 'hold for the kill' })).status).toBe(202);
    await eventually(async () => (await harness.services.configStore.sql`select 1 from endpoint_states where endpoint = ${endpoint} and paused_at is not null`).length === 1, 20_000);
    const ids = await emitMany(50, 3);
    await eventually(async () => {
      const rows = (await harness.request('GET', `/api/logs?labId=${lab.labId}&endpoint=${encodeURIComponent(endpoint)}&status=QUEUED&limit=200`)).body.items as unknown[];
      return rows.length === 50;
    }, 60_000);

    for (const worker of workers.splice(0)) {
      worker.kill('SIGKILL');
      await worker.exited;
    }
    await startWorker();
    expect((await harness.request('POST', '/api/endpoints/resume', { endpoint, reason: 'after the kill' })).status).toBe(202);
    const logs = await Promise.all(ids.map(async (eventId) => (await harness.settledLogs(eventId, 1, 120_000))[0]!));
    expect(logs.map((log) => log.status)).toEqual(ids.map(() => 'SUCCESS'));
    // One attempt each (a second would say why: a timeout, or a send repeated by a worker's replay).
    expect(logs.filter((log) => log.attempts.length !== 1).map((log) => ({ id: log._id, attempts: log.attempts }))).toEqual([]);
    const sent = paused.requestsTo('/paused').map((r) => r.headers['idempotency-key']);
    expect([...sent].sort()).toEqual(logs.map((log) => log._id).sort());
  });
});
