import { ApiClient } from './support/api-client';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';
import { SmtpSink } from './support/smtp-sink';
import { SseClient } from './support/sse-client';
import { TEST_ADMIN_PASSWORD } from './support/test-environment';

jest.setTimeout(180_000);

/**
 * The circuit breaker and manual pause (issue 13, items 2, 3 and 6) against the real stack: a
 * receiver answering 500 pauses its endpoint after 20 final failures; deliveries made while it is
 * paused wait inside Temporal as QUEUED logs with their reason; one probe at a time tests it; the
 * receiver fixed, a probe succeeds, the endpoint resumes and every waiting delivery goes exactly once.
 * Alerts go to an ops webhook and, by SMTP, to a local mail server.
 */
describe('endpoint flow: pause, wait, probe, resume', () => {
  const receiver = new Receiver();
  const ops = new Receiver();
  const smtp = new SmtpSink();
  let harness: Harness;
  let lab: LabFixture;
  const path = `/${uniqueId('flaky')}`;
  const opsPath = `/${uniqueId('ops')}`;
  const endpoint = () => new URL(receiver.url('/')).host;

  const emit = async (prefix: string) => {
    const event = billEvent(lab, uniqueId(prefix));
    expect((await harness.request('POST', '/api/events', event)).status).toBe(202);
    return event.eventId;
  };
  const flow = async () => {
    const answer = await harness.request('GET', `/api/endpoints?labId=${lab.labId}`);
    expect(answer.status).toBe(200);
    return (answer.body.items as Array<{ endpoint: string; flow: Record<string, unknown> }>).find((item) => item.endpoint === endpoint())?.flow;
  };
  const queuedLogs = async () =>
    (await harness.request('GET', `/api/logs?labId=${lab.labId}&endpoint=${encodeURIComponent(endpoint())}&status=QUEUED&limit=200`)).body.items as Array<{ id: string; error_message: string | null }>;
  const opsAlerts = () => ops.requestsTo(opsPath).map((r) => JSON.parse(r.body ?? '{}') as { kind: string; text: string; endpoint: string });

  beforeAll(async () => {
    await receiver.start();
    await ops.start();
    await smtp.start();
    ops.on(opsPath, { status: 200, body: 'ok' });
    harness = new Harness((config) => {
      config.breaker.consecutiveFailures = 20;
      config.endpointFlow.probeIntervalMs = 1_000;
      config.endpointFlow.probeMaxIntervalMs = 2_000;
      config.endpointFlow.resumeInFlight = 5;
      config.alerts.webhookUrl = ops.url(opsPath);
      config.alerts.smtpUrl = smtp.url;
      config.alerts.emailTo = ['ops@lab.test'];
    });
    await harness.start();
    lab = await createLabFixture(harness.services.configStore.db);
    await webhookIntegration(harness.services.configStore.db, lab, receiver.url(path));
    // Signed in once, before the concurrent emits below share the session.
    expect((await harness.request('GET', '/api/endpoints')).status).toBe(200);
  });
  afterAll(async () => {
    await harness?.stop();
    await receiver.stop();
    await ops.stop();
    await smtp.stop();
  });

  it('pauses after 20 failures, holds 50 deliveries with their reason (only probes reach the receiver), and sends each once after a probe succeeds', async () => {
    receiver.on(path, { status: 500, body: 'down for maintenance' });
    const failed = await Promise.all(Array.from({ length: 20 }, () => emit('trip')));
    for (const eventId of failed) expect((await harness.settledLogs(eventId, 1, 30_000))[0]!.status).toBe('FAIL');

    await eventually(async () => (await flow())?.paused === true, 20_000);
    expect(await flow()).toMatchObject({ paused: true, pausedBy: 'breaker', pausedReason: 'after 20 failures in a row', nextProbeAt: expect.any(String) });
    await eventually(async () => opsAlerts().length === 1 && smtp.mails.length === 1, 10_000);
    expect(opsAlerts()[0]).toMatchObject({ kind: 'paused', endpoint: endpoint(), text: expect.stringContaining(`paused endpoint ${endpoint()}`) });
    expect(smtp.mails[0]).toMatchObject({ to: ['ops@lab.test'] });
    expect(smtp.mails[0]!.data).toContain('after 20 failures in a');

    const before = receiver.requestsTo(path).length;
    const waiting = await Promise.all(Array.from({ length: 50 }, () => emit('wait')));
    const queued = await eventually(async () => {
      const rows = await queuedLogs();
      return rows.length === 50 ? rows : undefined;
    }, 30_000);
    for (const row of queued) expect(row.error_message).toMatch(/^Waiting: endpoint paused( since .* by breaker: after 20 failures in a row|; the probe at .* failed)/);
    // Probes only: one at a time, every 1 s then 2 s; each a single attempt of a waiting log, which stays QUEUED.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const probes = receiver.requestsTo(path).slice(before);
    expect(probes.length).toBeGreaterThanOrEqual(1);
    expect(probes.length).toBeLessThanOrEqual(4);
    const queuedIds = new Set(queued.map((row) => row.id));
    for (const probe of probes) expect(queuedIds.has(probe.headers['idempotency-key']!)).toBe(true);
    expect(await queuedLogs()).toHaveLength(50);
    // The stats and the Errors tab (FAIL + QUEUED) count them as QUEUED; a bulk retry refuses them (they have their turn coming).
    const stats = await harness.request('GET', `/api/logs/stats?labId=${lab.labId}&endpoint=${encodeURIComponent(endpoint())}`);
    expect(stats.body.byStatus).toMatchObject({ QUEUED: 50, FAIL: 20 });
    const bulk = await harness.request('POST', '/api/logs/retry', { ids: queued.slice(0, 2).map((row) => row.id) });
    expect(bulk.status).toBe(202);
    await eventually(async () => {
      const progress = (await harness.request('GET', `/api/bulk-retries/${bulk.body.bulkId}`)).body as { refused?: number; done?: boolean };
      return progress.refused === 2;
    }, 20_000);
    expect(opsAlerts()).toHaveLength(1);

    receiver.on(path, { status: 200, body: '{"ok":true}' });
    const fixedAt = receiver.requestsTo(path).length;
    const logs = await Promise.all(waiting.map((eventId) => harness.settledLogs(eventId, 1, 60_000)));
    expect(logs.map(([log]) => log!.status)).toEqual(waiting.map(() => 'SUCCESS'));
    expect(await flow()).toMatchObject({ paused: false, resumedBy: 'probe' });
    // Exactly once each since the fix: every one of the 50 logs, and nothing else.
    const sent = receiver.requestsTo(path).slice(fixedAt).map((r) => r.headers['idempotency-key']);
    expect(sent.sort()).toEqual(logs.map(([log]) => log!._id).sort());

    await eventually(async () => opsAlerts().length === 2 && smtp.mails.length === 2, 10_000);
    expect(opsAlerts()[1]).toMatchObject({ kind: 'resumed', endpoint: endpoint() });
    const alerts = await harness.request('GET', `/api/alerts?endpoint=${encodeURIComponent(endpoint())}`);
    expect(alerts.status).toBe(200);
    expect(alerts.body.items).toMatchObject([
      { kind: 'resumed', channels: { webhook: 'sent', email: 'sent' } },
      { kind: 'paused', channels: { webhook: 'sent', email: 'sent' } },
    ]);
  });

  it('lets an operator pause and resume by hand with a reason (a viewer gets 403); the waiting delivery goes on resume', async () => {
    receiver.on(path, { status: 200, body: '{"ok":true}' });
    const username = uniqueId('flow-viewer');
    const created = await harness.request('POST', '/api/users', { username, role: 'viewer' });
    const viewer = new ApiClient(harness.api.url, { username, password: created.body.password });
    const refused = await viewer.request('POST', '/api/endpoints/pause', { endpoint: endpoint(), reason: 'maintenance window' });
    expect(refused.status).toBe(403);
    const bad = await harness.request('POST', '/api/endpoints/pause', { endpoint: endpoint() });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('reason');

    // An open dashboard hears the pause and the resume (event: endpoint); a user of another lab does not.
    const admin = new ApiClient(harness.api.url, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    const stream = await new SseClient().connect(`${harness.api.url}/api/stream`, await admin.cookieHeader());
    const otherName = uniqueId('flow-other-lab');
    const otherLab = await createLabFixture(harness.services.configStore.db);
    const otherUser = await harness.request('POST', '/api/users', { username: otherName, role: 'viewer', labIds: [otherLab.labId] });
    expect(otherUser.status).toBe(201);
    const otherStream = await new SseClient().connect(`${harness.api.url}/api/stream`, await new ApiClient(harness.api.url, { username: otherName, password: otherUser.body.password }).cookieHeader());
    // A pause and a resume with nothing waiting: the resume is recorded (the workflow is idle at once).
    expect((await harness.request('POST', '/api/endpoints/pause', { endpoint: endpoint(), reason: 'quick check' })).status).toBe(202);
    await eventually(async () => (await flow())?.paused === true, 10_000);
    expect((await harness.request('POST', '/api/endpoints/resume', { endpoint: endpoint(), reason: 'quick check over' })).status).toBe(202);
    await eventually(async () => (await flow())?.paused === false, 10_000);
    expect(await flow()).toMatchObject({ resumedBy: 'admin', resumedReason: 'quick check over' });

    expect((await harness.request('POST', '/api/endpoints/pause', { endpoint: endpoint(), reason: 'partner maintenance until 22:00' })).status).toBe(202);
    await eventually(async () => (await flow())?.paused === true, 10_000);
    expect(await flow()).toMatchObject({ pausedBy: 'admin', pausedReason: 'partner maintenance until 22:00', nextProbeAt: null });
    const before = receiver.requestsTo(path).length;
    const eventId = await emit('manual');
    const [row] = await eventually(async () => {
      const rows = await queuedLogs();
      return rows.length === 1 ? rows : undefined;
    });
    expect(row!.error_message).toMatch(/^Waiting: endpoint paused since .* by admin: partner maintenance until 22:00$/);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.requestsTo(path).length).toBe(before);
    // A retry of a waiting log is refused: it has its turn coming.
    expect((await harness.request('POST', `/api/logs/${row!.id}/retry`, {})).status).toBe(409);

    expect((await harness.request('POST', '/api/endpoints/resume', { endpoint: endpoint(), reason: 'partner is back' })).status).toBe(202);
    expect((await harness.settledLogs(eventId, 1, 20_000))[0]!.status).toBe('SUCCESS');
    expect(await flow()).toMatchObject({ paused: false, resumedBy: 'admin', resumedReason: 'partner is back' });
    await eventually(async () => stream.endpointEvents.length === 4);
    expect(stream.endpointEvents.slice(2)).toMatchObject([
      { endpoint: endpoint(), state: 'paused', by: 'admin', reason: 'partner maintenance until 22:00', labIds: [lab.labId] },
      { endpoint: endpoint(), state: 'open', by: 'admin', reason: 'partner is back' },
    ]);
    expect(otherStream.endpointEvents).toEqual([]);
    await Promise.all([stream.close(), otherStream.close()]);
    const audit = await harness.request('GET', '/api/audit?action=endpoint.pause');
    expect(audit.status).toBe(200);
    expect(audit.body.items[0]).toMatchObject({ action: 'endpoint.pause', actor: { name: 'admin' }, target: { type: 'endpoint', id: endpoint() }, detail: { reason: 'partner maintenance until 22:00' } });
    expect((await harness.request('POST', '/api/endpoints/resume', { endpoint: endpoint(), reason: 'again' })).status).toBe(409);
  });

  it("recovers an endpoint whose flow workflow was terminated by hand: the next one takes the recorded pause and the waiting deliveries, and a resume sends them", async () => {
    receiver.on(path, { status: 200, body: '{"ok":true}' });
    expect((await harness.request('POST', '/api/endpoints/pause', { endpoint: endpoint(), reason: 'before the terminate' })).status).toBe(202);
    await eventually(async () => (await flow())?.paused === true, 10_000);
    const events = await Promise.all(Array.from({ length: 3 }, () => emit('orphan')));
    await eventually(async () => (await queuedLogs()).length === 3, 20_000);

    await harness.services.temporal.workflow.getHandle(`endpoint-${endpoint()}`).terminate('a test strands its waiters');
    expect((await harness.request('POST', '/api/endpoints/resume', { endpoint: endpoint(), reason: 'after the terminate' })).status).toBe(202);
    for (const eventId of events) expect((await harness.settledLogs(eventId, 1, 30_000))[0]!.status).toBe('SUCCESS');
    expect(await flow()).toMatchObject({ paused: false, resumedReason: 'after the terminate' });
  });
});
