import { eq } from 'drizzle-orm';
import { labs } from '../src/db/schema';
import { ApiClient } from './support/api-client';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';
import { SseClient } from './support/sse-client';

jest.setTimeout(120_000);

/**
 * A user limited to one lab, against the real API, workers, Temporal, PostgreSQL and FerretDB:
 * every read, retry, bulk retry, stream and export reaches their lab only, and another lab's
 * objects by id answer exactly as objects that do not exist.
 */
describe('lab-scoped users', () => {
  const harness = new Harness();
  const receiver = new Receiver();
  // `mine` plays lab 1001 of the brief, `theirs` lab 1002: labs of their own, so other test files' logs never mix in.
  let mine: LabFixture;
  let theirs: LabFixture;
  let theirName: string;
  const paths: Record<'mine' | 'theirs', string> = { mine: '', theirs: '' };
  const logIds: Record<'mine' | 'theirs', string[]> = { mine: [], theirs: [] };
  let limited: ApiClient;

  beforeAll(async () => {
    await receiver.start();
    await harness.start();
    const db = harness.services.configStore.db;
    mine = await createLabFixture(db);
    theirs = await createLabFixture(db);
    theirName = uniqueId('Northgate');
    await db.update(labs).set({ name: theirName }).where(eq(labs.id, theirs.labId));
    for (const [key, lab] of [
      ['mine', mine],
      ['theirs', theirs],
    ] as const) {
      paths[key] = `/${uniqueId(key)}`;
      // 4xx is final at once: two FAIL logs per lab, to be retried below.
      receiver.on(paths[key], { status: 422, body: '{"error":"rejected"}' });
      await webhookIntegration(db, lab, receiver.url(paths[key]));
      for (let i = 0; i < 2; i++) {
        const event = billEvent(lab, uniqueId('scope-evt'));
        expect((await harness.request('POST', '/api/events', event)).status).toBe(202);
        logIds[key].push((await harness.settledLogs(event.eventId, 1))[0]!._id);
      }
    }
    const username = uniqueId('lab-operator');
    const created = await harness.request('POST', '/api/users', { username, role: 'operator', labIds: [mine.labId] });
    expect(created.status).toBe(201);
    limited = new ApiClient(harness.api.url, { username, password: created.body.password });
  });
  afterAll(async () => {
    await harness.stop();
    await receiver.stop();
  });

  /** What the API answers for a log id that does not exist, with the id replaced, to compare with. */
  async function unknownAnswer(method: string, suffix: string, body?: unknown) {
    const unknownId = 'f'.repeat(24);
    const answer = await limited.request(method, `/api/logs/${unknownId}${suffix}`, body);
    return { status: answer.status, body: JSON.parse(JSON.stringify(answer.body).replaceAll(unknownId, '<id>')) };
  }

  it('lists, counts, searches and exports only the logs of their lab; a filter naming another lab is empty', async () => {
    const list = await limited.request('GET', '/api/logs?limit=200');
    expect(list.status).toBe(200);
    const ids = (list.body.items as Array<{ id: string; lab_id: number }>).map((row) => row.id);
    expect(ids.sort()).toEqual([...logIds.mine].sort());
    expect((list.body.items as Array<{ lab_id: number }>).every((row) => row.lab_id === mine.labId)).toBe(true);
    // Every lab's logs exist for the admin, so it is the scope that left them out.
    expect((await harness.request('GET', `/api/logs?labId=${theirs.labId}`)).body.items).toHaveLength(2);

    expect((await limited.request('GET', `/api/logs?labId=${theirs.labId}`)).body).toEqual({ items: [], nextCursor: null });
    expect((await limited.request('GET', `/api/logs?q=${logIds.theirs[0]}`)).body.items).toEqual([]);
    expect((await limited.request('GET', '/api/logs/stats')).body).toMatchObject({ total: 2, byStatus: { FAIL: 2 } });
    expect((await limited.request('GET', `/api/logs/stats?labId=${theirs.labId}`)).body.total).toBe(0);
    // The admin's figures for the same filter are cached for a second: never handed to the limited user.
    expect((await harness.request('GET', '/api/logs/stats')).body.total).toBeGreaterThanOrEqual(4);
    expect((await limited.request('GET', '/api/logs/stats')).body.total).toBe(2);

    const exported = await limited.request('GET', '/api/logs/export');
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = String(exported.body).trim().split('\n').map((line) => JSON.parse(line) as { id: string; lab_id: number });
    expect(lines.map((row) => row.id).sort()).toEqual([...logIds.mine].sort());
    expect(await limited.request('GET', `/api/logs/export?labId=${theirs.labId}`)).toMatchObject({ status: 200, body: '' });
    const adminExport = String((await harness.request('GET', `/api/logs/export?labId=${theirs.labId}`)).body);
    expect(adminExport).toContain(logIds.theirs[0]);
  });

  it("answers another lab's log, its history and its retry exactly as a log that does not exist (404)", async () => {
    const [their] = logIds.theirs;
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['GET', '/history', undefined],
      ['POST', '/retry', { force: true }],
    ] as const) {
      const answer = await limited.request(method, `/api/logs/${their}${suffix}`, body);
      expect({ status: answer.status, body: JSON.parse(JSON.stringify(answer.body).replaceAll(their!, '<id>')) }).toEqual(await unknownAnswer(method, suffix, body));
      expect(answer.status).toBe(404);
    }
    expect((await harness.logs.get(their!))?.retry_count).toBe(0);
    expect((await limited.request('GET', `/api/logs/${logIds.mine[0]}`)).status).toBe(200);
    expect((await limited.request('GET', `/api/logs/${logIds.mine[0]}/history`)).status).toBe(200);
  });

  it("sees only their lab in the lab search, the integrations screen, the partner list and event emission; another lab by id is 404", async () => {
    expect((await limited.request('GET', '/api/labs?limit=100')).body.items.map((lab: { id: number }) => lab.id)).toEqual([mine.labId]);
    expect((await limited.request('GET', `/api/labs?q=${encodeURIComponent(theirName)}`)).body.items).toEqual([]);
    expect((await limited.request('GET', `/api/labs?q=${theirs.labId}`)).body.items).toEqual([]);
    expect((await limited.request('GET', `/api/labs/${mine.labId}/integrations`)).status).toBe(200);
    const foreign = await limited.request('GET', `/api/labs/${theirs.labId}/integrations`);
    const unknown = await limited.request('GET', '/api/labs/2000000000/integrations');
    expect(foreign.status).toBe(404);
    expect(foreign.body.errors).toEqual([{ field: 'labId', message: `lab ${theirs.labId} does not exist` }]);
    expect(unknown.body.errors).toEqual([{ field: 'labId', message: 'lab 2000000000 does not exist' }]);

    const developers = (await limited.request('GET', '/api/meta')).body.developers.map((d: { id: number }) => d.id);
    expect(developers).toContain(mine.developerId);
    expect(developers).not.toContain(theirs.developerId);

    const emitted = await limited.request('POST', '/api/events', billEvent(theirs, uniqueId('foreign-evt')));
    expect(emitted.status).toBe(404);
    expect(emitted.body.errors).toEqual([{ field: 'labId', message: `lab ${theirs.labId} does not exist` }]);
  });

  it("streams the changes of their lab's logs only", async () => {
    const stream = await new SseClient().connect(`${harness.api.url}/api/stream`, await limited.cookieHeader());
    const adminStream = await new SseClient().connect(`${harness.api.url}/api/stream`, await harness.adminCookie());
    try {
      // Their lab's retry first, then ours: NOTIFY keeps the order, so once ours has arrived theirs would have too.
      expect((await harness.request('POST', `/api/logs/${logIds.theirs[1]}/retry?wait=true`, { force: true })).status).toBe(200);
      expect((await harness.request('POST', `/api/logs/${logIds.mine[1]}/retry?wait=true`, { force: true })).status).toBe(200);
      await eventually(async () => stream.events.some((e) => e.data.logId === logIds.mine[1] && e.data.retryId), 20_000);
      await eventually(async () => adminStream.events.some((e) => e.data.logId === logIds.mine[1] && e.data.retryId), 20_000);
      expect(adminStream.events.some((e) => e.data.logId === logIds.theirs[1])).toBe(true);
      expect(stream.events.filter((e) => e.data.labId !== mine.labId)).toEqual([]);
      expect(stream.events.some((e) => e.data.logId === logIds.theirs[1])).toBe(false);
    } finally {
      await stream.close();
      await adminStream.close();
    }
  });

  it("retries and bulk-retries their lab's logs only, whatever the filter or ids say", async () => {
    receiver.on(paths.mine, { status: 200, body: '{"ok":true}' });
    receiver.on(paths.theirs, { status: 200, body: '{"ok":true}' });
    // Both of their lab's logs are FAIL (the stream test's retry failed too), and both of the other lab's.
    const everything = { filter: { status: ['FAIL'] } };
    expect((await limited.request('POST', '/api/logs/retry/preview', everything)).body.count).toBe(2);
    expect((await limited.request('POST', '/api/logs/retry/preview', { filter: { labId: theirs.labId } })).body.count).toBe(0);
    expect((await limited.request('POST', '/api/logs/retry/preview', { ids: logIds.theirs })).body.count).toBe(0);

    // Another lab's ids: a bulk retry of nothing.
    const foreign = await limited.request('POST', '/api/logs/retry', { ids: logIds.theirs, force: true });
    expect(foreign.status).toBe(202);
    await eventually(async () => {
      const progress = (await limited.request('GET', `/api/bulk-retries/${foreign.body.bulkId}`)).body;
      return progress.state === 'done' && progress.total === 0 ? progress : undefined;
    }, 20_000);

    // A filter over every lab: only their own lab's FAIL logs are retried.
    const started = await limited.request('POST', '/api/logs/retry', everything);
    expect(started.status).toBe(202);
    const progress = await eventually(async () => {
      const answer = (await limited.request('GET', `/api/bulk-retries/${started.body.bulkId}`)).body;
      return answer.state === 'done' ? answer : undefined;
    }, 30_000);
    expect(progress).toMatchObject({ total: 2, done: 2, succeeded: 2 });
    await harness.logWhere(logIds.mine[0]!, (log) => log.status === 'SUCCESS' && log.retry_count === 1);
    await harness.logWhere(logIds.mine[1]!, (log) => log.status === 'SUCCESS' && log.retry_count === 2);
    for (const id of logIds.theirs) expect(await harness.logs.get(id)).toMatchObject({ status: 'FAIL' });
    expect((await harness.logs.get(logIds.theirs[0]!))?.retry_count).toBe(0);

    // A bulk retry over every lab, started by the admin, is not theirs to see or cancel.
    const adminBulk = await harness.request('POST', '/api/logs/retry', { ids: [logIds.theirs[0]], force: true });
    expect(adminBulk.status).toBe(202);
    expect((await limited.request('GET', `/api/bulk-retries/${adminBulk.body.bulkId}`)).status).toBe(404);
    expect((await limited.request('POST', `/api/bulk-retries/${adminBulk.body.bulkId}/cancel`)).status).toBe(404);
    // Finished before the next tests touch that log.
    await eventually(async () => (await harness.request('GET', `/api/bulk-retries/${adminBulk.body.bulkId}`)).body.state === 'done', 30_000);

    // A manual retry of their own lab's log is accepted.
    expect((await limited.request('POST', `/api/logs/${logIds.mine[1]}/retry?wait=true`, { force: true })).status).toBe(200);
  });

  it('takes a change of labs on the next request', async () => {
    const username = uniqueId('moving');
    const created = await harness.request('POST', '/api/users', { username, role: 'viewer', labIds: [mine.labId] });
    const viewer = new ApiClient(harness.api.url, { username, password: created.body.password });
    expect((await viewer.request('GET', `/api/logs/${logIds.theirs[0]}`)).status).toBe(404);
    await harness.request('PATCH', `/api/users/${created.body.id}`, { labIds: [theirs.labId] });
    expect((await viewer.request('GET', `/api/logs/${logIds.theirs[0]}`)).status).toBe(200);
    expect((await viewer.request('GET', `/api/logs/${logIds.mine[0]}`)).status).toBe(404);
  });

  it("moves an open stream to the user's new labs within a heartbeat", async () => {
    const username = uniqueId('streaming');
    const created = await harness.request('POST', '/api/users', { username, role: 'viewer', labIds: [mine.labId] });
    const viewer = new ApiClient(harness.api.url, { username, password: created.body.password });
    const stream = await new SseClient().connect(`${harness.api.url}/api/stream`, await viewer.cookieHeader());
    try {
      await harness.request('PATCH', `/api/users/${created.body.id}`, { labIds: [theirs.labId] });
      // Retried until one of its changes reaches the stream: the heartbeat (1 s in tests) re-reads the labs.
      await eventually(async () => {
        await harness.request('POST', `/api/logs/${logIds.theirs[1]}/retry?wait=true`, { force: true });
        return stream.events.some((e) => e.data.logId === logIds.theirs[1]);
      }, 15_000);
      const before = stream.events.length;
      await harness.request('POST', `/api/logs/${logIds.mine[1]}/retry?wait=true`, { force: true });
      const last = await harness.request('POST', `/api/logs/${logIds.theirs[1]}/retry?wait=true`, { force: true });
      await eventually(async () => stream.events.some((e) => e.data.retryId === last.body.retryId), 20_000);
      expect(stream.events.slice(before).some((e) => e.data.logId === logIds.mine[1])).toBe(false);
    } finally {
      await stream.close();
    }
  });

  it('reports stuck logs of their lab only', async () => {
    const old = new Date(Date.now() - 3_600_000);
    for (const id of [logIds.mine[0]!, logIds.theirs[0]!]) await harness.store.logs.updateOne({ _id: id }, { $set: { status: 'QUEUED', inserted_at: old } });
    const stuckOf = async (client: ApiClient) => ((await client.request('GET', '/api/logs/stuck?olderThanMs=1800000')).body.logs as Array<{ _id: string }>).map((l) => l._id);
    const theirStuck = await stuckOf(limited);
    expect(theirStuck).toContain(logIds.mine[0]);
    expect(theirStuck).not.toContain(logIds.theirs[0]);
    expect(await stuckOf(harness.adminClient())).toEqual(expect.arrayContaining([logIds.mine[0], logIds.theirs[0]]));
  });
});
