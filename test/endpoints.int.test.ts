import { ApiClient } from './support/api-client';
import { uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';

jest.setTimeout(120_000);

/**
 * Endpoint health (issue 13, item 1) over real deliveries: the real API, workers, Temporal,
 * PostgreSQL and FerretDB, and two receivers, i.e. two endpoints (an endpoint is a host:port).
 */
describe('GET /api/endpoints: health per endpoint from the read model', () => {
  const harness = new Harness();
  const healthy = new Receiver();
  const failing = new Receiver();
  // `lab` sends every event to both endpoints; `other` only to the healthy one (for the lab scope).
  let lab: LabFixture;
  let other: LabFixture;
  const badPath = `/${uniqueId('bad')}`;
  const okPath = `/${uniqueId('ok')}`;
  const badLogIds: string[] = [];

  /** One event of the lab; its logs by endpoint. */
  const deliver = async (to: LabFixture, count: number) => {
    const event = billEvent(to, uniqueId('endpoint-evt'));
    expect((await harness.request('POST', '/api/events', event)).status).toBe(202);
    return harness.settledLogs(event.eventId, count);
  };
  const endpointOf = (receiver: Receiver) => new URL(receiver.url('/')).host;

  beforeAll(async () => {
    await healthy.start();
    await failing.start();
    await harness.start();
    const db = harness.services.configStore.db;
    lab = await createLabFixture(db);
    other = await createLabFixture(db);
    healthy.on(okPath, { status: 200, body: '{"ok":true}' });
    await webhookIntegration(db, lab, healthy.url(okPath));
    await webhookIntegration(db, lab, failing.url(badPath));
    await webhookIntegration(db, other, healthy.url(okPath));
    // The failing endpoint: one success, then 20 final failures (a 4xx is final at once).
    failing.on(badPath, { status: 200, body: '{}' });
    expect((await deliver(lab, 2)).map((log) => log.status)).toEqual(['SUCCESS', 'SUCCESS']);
    failing.on(badPath, { status: 422, body: '{"error":"rejected"}' });
    for (let i = 0; i < 20; i++) {
      const logs = await deliver(lab, 2);
      const bad = logs.find((log) => log.endpoint === endpointOf(failing))!;
      expect(bad.status).toBe('FAIL');
      expect(logs.find((log) => log !== bad)!.status).toBe('SUCCESS');
      badLogIds.push(bad._id);
    }
    expect((await deliver(other, 1))[0]!.status).toBe('SUCCESS');
  });
  afterAll(async () => {
    await harness.stop();
    await healthy.stop();
    await failing.stop();
  });

  it('gives each endpoint its figures over the last hour and day, failures in a row, last success and last error, worst first', async () => {
    const answer = await harness.request('GET', `/api/endpoints?labId=${lab.labId}`);
    expect(answer.status).toBe(200);
    expect(Date.parse(answer.body.generatedAt)).toBeGreaterThan(Date.now() - 60_000);
    const items = answer.body.items as Array<Record<string, any>>;
    expect(items.map((item) => item.endpoint)).toEqual([endpointOf(failing), endpointOf(healthy)]);
    const [bad, ok] = items as [Record<string, any>, Record<string, any>];

    expect(bad).toMatchObject({
      integrationType: 'webhook',
      health: 'failing',
      consecutiveFailures: 20,
      lastHour: { deliveries: 21, success: 1, fail: 20, queued: 0, successRate: 0.0476 },
      lastDay: { deliveries: 21, success: 1, fail: 20 },
      lastFailure: { logId: badLogIds[19], errorMessage: '{"error":"rejected"}' },
      labIds: [lab.labId],
    });
    expect(Date.parse(bad.lastSuccessAt)).toBeLessThan(Date.parse(bad.lastFailure.at));
    expect(bad.authIds).toHaveLength(1);
    expect(bad.developers).toEqual([{ id: expect.any(Number), name: expect.any(String) }]);

    expect(ok).toMatchObject({
      health: 'healthy',
      consecutiveFailures: 0,
      lastFailure: null,
      lastHour: { deliveries: 21, success: 21, fail: 0, successRate: 1 },
      labIds: [lab.labId],
    });
    expect(ok.authIds).not.toEqual(bad.authIds);
    const { p50Ms, p95Ms } = ok.lastHour;
    expect(p50Ms).toEqual(expect.any(Number));
    expect(p95Ms).toBeGreaterThanOrEqual(p50Ms);
  });

  it('filters by developer; the logs list and its stats filter by endpoint (the Errors link)', async () => {
    const developerId = (await harness.request('GET', `/api/endpoints?labId=${lab.labId}`)).body.items[0].developers[0].id;
    expect((await harness.request('GET', `/api/endpoints?labId=${lab.labId}&developerId=${developerId}`)).body.items).toHaveLength(2);
    expect((await harness.request('GET', `/api/endpoints?labId=${lab.labId}&developerId=999999`)).body.items).toEqual([]);

    const errors = await harness.request('GET', `/api/logs?labId=${lab.labId}&endpoint=${encodeURIComponent(endpointOf(failing))}&status=FAIL&limit=200`);
    expect(errors.status).toBe(200);
    expect(errors.body.items.map((row: { id: string }) => row.id).sort()).toEqual([...badLogIds].sort());
    expect((await harness.request('GET', `/api/logs/stats?labId=${lab.labId}&endpoint=${encodeURIComponent(endpointOf(healthy))}`)).body).toMatchObject({ total: 21 });
  });

  it("shows a lab-scoped user only their labs' endpoints", async () => {
    const username = uniqueId('endpoint-viewer');
    const created = await harness.request('POST', '/api/users', { username, role: 'viewer', labIds: [other.labId] });
    expect(created.status).toBe(201);
    const viewer = new ApiClient(harness.api.url, { username, password: created.body.password });
    const seen = await viewer.request('GET', '/api/endpoints');
    expect(seen.status).toBe(200);
    expect(seen.body.items).toMatchObject([{ endpoint: endpointOf(healthy), labIds: [other.labId], lastDay: { deliveries: 1 } }]);
    expect((await viewer.request('GET', `/api/endpoints?labId=${lab.labId}`)).body.items).toEqual([]);
    expect((await new ApiClient(harness.api.url).request('GET', '/api/endpoints')).status).toBe(401);
  });

  it('refuses a bad filter with a problem naming the parameter', async () => {
    for (const [query, field] of [
      ['labId=abc', 'labId'],
      ['developerId=0', 'developerId'],
      ['status=FAIL', 'status'],
    ] as const) {
      const answer = await harness.request('GET', `/api/endpoints?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(answer.body)).toContain(field);
    }
    const endpointTooLong = await harness.request('GET', `/api/logs?endpoint=${'a'.repeat(301)}`);
    expect(endpointTooLong.status).toBe(400);
    expect(JSON.stringify(endpointTooLong.body)).toContain('endpoint');
  });
});
