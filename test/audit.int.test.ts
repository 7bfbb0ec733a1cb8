import { and, eq, sql } from 'drizzle-orm';
import { anonymousActor } from '../src/audit/audit-actions';
import { AuditTrail } from '../src/audit/audit-trail';
import { auditEvents, users } from '../src/db/schema';
import { ApiClient } from './support/api-client';
import { CliProcess } from './support/cli';
import { uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';
import { ensureTestUser, TEST_USER_PASSWORD } from './support/users';

jest.setTimeout(60_000);

type Row = typeof auditEvents.$inferSelect;

/**
 * The audit trail against the real API, workers, Temporal, PostgreSQL and FerretDB: every
 * audited action leaves exactly one row (counted in the table before and after), a refused one
 * none; the trail cannot be changed, and admins read it page by page or as JSON lines.
 */
describe('audit trail', () => {
  const harness = new Harness();
  const receiver = new Receiver();
  let lab: LabFixture;
  let failedLogId: string;
  let slowPath: string;

  const db = () => harness.services.configStore.db;
  /** The rows of one action on one target (or by one actor), oldest first. */
  const rowsOf = (action: string, where: { targetType?: string; targetId?: string | number; actor?: string }): Promise<Row[]> =>
    db()
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.action, action),
          where.targetType === undefined ? undefined : eq(auditEvents.targetType, where.targetType),
          where.targetId === undefined ? undefined : eq(auditEvents.targetId, String(where.targetId)),
          where.actor === undefined ? undefined : eq(auditEvents.actorName, where.actor),
        ),
      )
      .orderBy(auditEvents.id);
  const total = async () => (await db().select({ n: sql<number>`count(*)::int` }).from(auditEvents))[0]!.n;

  /**
   * Rows of failed sign-ins by one name, written through the trail itself: the read side has rows
   * of its own to page through without tripping the sign-in rate limit (10 failures a minute).
   */
  async function failedSignInRows(name: string, count: number): Promise<void> {
    const trail = new AuditTrail(db());
    for (let i = 0; i < count; i += 1) await trail.record(anonymousActor(name), '127.0.0.1', { action: 'session.sign_in_failed' });
  }

  /** Runs `act` and answers the rows it added to the trail (and its answer). */
  async function added<T>(act: () => Promise<T>): Promise<{ answer: T; rows: Row[] }> {
    const [{ max } = { max: 0 }] = await db().select({ max: sql<number>`coalesce(max(id), 0)::int` }).from(auditEvents);
    const answer = await act();
    const rows = await db().select().from(auditEvents).where(sql`${auditEvents.id} > ${max}`).orderBy(auditEvents.id);
    return { answer, rows };
  }

  beforeAll(async () => {
    await receiver.start();
    await harness.start();
    lab = await createLabFixture(db());
    const failing = `/${uniqueId('audit-fail')}`;
    receiver.on(failing, { status: 503, body: '{"error":"down"}' });
    await webhookIntegration(db(), lab, receiver.url(failing), 1);
    const event = billEvent(lab, uniqueId('evt'), 1);
    expect((await harness.request('POST', '/api/events', event)).status).toBe(202);
    failedLogId = (await harness.settledLogs(event.eventId, 1))[0]!._id;
    // Retries of this log go slowly from now on, so a bulk retry of it is still running when cancelled.
    slowPath = failing;
    receiver.on(slowPath, async () => {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      return { status: 200, body: 'ok' };
    });
  });
  afterAll(async () => {
    await harness.stop();
    await receiver.stop();
  });

  describe('every action leaves exactly one row', () => {
    it('sign-in, failed sign-in (with the tried username, never the password) and sign-out', async () => {
      const username = uniqueId('signer');
      await ensureTestUser(db(), username, 'operator');
      const [user] = await db().select({ id: users.id }).from(users).where(eq(users.username, username));
      const client = new ApiClient(harness.api.url, { username, password: TEST_USER_PASSWORD });

      const signIn = await added(() => client.signIn());
      expect(signIn.rows).toHaveLength(1);
      expect(signIn.rows[0]).toMatchObject({
        action: 'session.sign_in',
        actorType: 'user',
        actorUserId: user!.id,
        actorName: username,
        targetType: 'user',
        targetId: String(user!.id),
        clientAddress: '127.0.0.1',
      });

      const wrongPassword = `wrong-${uniqueId('pw')}`;
      const failed = await added(() => harness.anonymous().request('POST', '/api/session', { username, password: wrongPassword }));
      expect(failed.answer.status).toBe(401);
      expect(failed.rows).toHaveLength(1);
      expect(failed.rows[0]).toMatchObject({ action: 'session.sign_in_failed', actorType: 'anonymous', actorUserId: null, actorName: username, clientAddress: '127.0.0.1' });
      expect(JSON.stringify(failed.rows)).not.toContain(wrongPassword);

      const nobody = uniqueId('nobody');
      const unknown = await added(() => harness.anonymous().request('POST', '/api/session', { username: nobody, password: wrongPassword }));
      expect(unknown.rows.map((r) => [r.action, r.actorName])).toEqual([['session.sign_in_failed', nobody]]);

      // Bad input is not a sign-in attempt: 400, nothing recorded.
      const badInput = await added(() => harness.anonymous().request('POST', '/api/session', { username }));
      expect(badInput.answer.status).toBe(400);
      expect(badInput.rows).toEqual([]);

      const signOut = await added(() => client.request('DELETE', '/api/session'));
      expect(signOut.answer.status).toBe(204);
      expect(signOut.rows).toHaveLength(1);
      expect(signOut.rows[0]).toMatchObject({ action: 'session.sign_out', actorName: username, targetType: 'user', targetId: String(user!.id) });
    });

    it('viewing a log (its bodies come with the detail) and retrying it; a refused retry or a missing log leaves none', async () => {
      const operator = await harness.as('operator');
      const viewer = await harness.as('viewer');
      await Promise.all([operator.signIn(), viewer.signIn()]);

      const view = await added(() => viewer.request('GET', `/api/logs/${failedLogId}`));
      expect(view.answer.status).toBe(200);
      expect(view.answer.body.response_body).toContain('down');
      expect(view.rows).toHaveLength(1);
      expect(view.rows[0]).toMatchObject({ action: 'log.view_bodies', actorName: 'test-viewer', targetType: 'log', targetId: failedLogId });

      const missing = await added(() => viewer.request('GET', '/api/logs/0123456789abcdef01234567'));
      expect(missing.answer.status).toBe(404);
      expect(missing.rows).toEqual([]);
      // The list carries no bodies: not a view of them.
      expect((await added(() => viewer.request('GET', `/api/logs?labId=${lab.labId}`))).rows).toEqual([]);

      const refused = await added(() => viewer.request('POST', `/api/logs/${failedLogId}/retry`, {}));
      expect(refused.answer.status).toBe(403);
      expect(refused.rows).toEqual([]);

      const retry = await added(() => operator.request('POST', `/api/logs/${failedLogId}/retry`, {}));
      expect(retry.answer.status).toBe(202);
      expect(retry.rows).toHaveLength(1);
      expect(retry.rows[0]).toMatchObject({ action: 'log.retry', actorName: 'test-operator', targetType: 'log', targetId: failedLogId, detail: { retryId: retry.answer.body.retryId, force: false } });
    });

    it('a bulk retry with its selection and count, and its cancellation', async () => {
      const operator = await harness.as('operator');
      await operator.signIn();
      const bulk = await added(() => operator.request('POST', '/api/logs/retry', { ids: [failedLogId], force: true }));
      expect(bulk.answer.status).toBe(202);
      expect(bulk.rows).toHaveLength(1);
      expect(bulk.rows[0]).toMatchObject({
        action: 'logs.bulk_retry',
        actorName: 'test-operator',
        targetType: 'bulk_retry',
        targetId: bulk.answer.body.bulkId,
        detail: { selection: { ids: [failedLogId], idCount: 1 }, count: 1, force: true },
      });

      const byFilter = await added(() => operator.request('POST', '/api/logs/retry', { filter: { labId: lab.labId, status: ['FAIL'] } }));
      expect(byFilter.answer.status).toBe(202);
      expect(byFilter.rows.map((r) => [r.action, r.detail])).toEqual([['logs.bulk_retry', { selection: { filter: { labId: lab.labId, status: ['FAIL'] } }, count: expect.any(Number), force: false }]]);

      const cancel = await added(() => operator.request('POST', `/api/bulk-retries/${bulk.answer.body.bulkId}/cancel`));
      expect(cancel.answer.status).toBe(202);
      expect(cancel.rows.map((r) => [r.action, r.targetType, r.targetId])).toEqual([['logs.bulk_retry_cancel', 'bulk_retry', bulk.answer.body.bulkId]]);
    });

    it('a retry from the command line, as the system (the CLI needs the database, not a session)', async () => {
      const path = `/${uniqueId('audit-cli')}`;
      receiver.on(path, { status: 500, body: 'still failing' });
      await webhookIntegration(db(), lab, receiver.url(path), 5);
      const event = billEvent(lab, uniqueId('evt'), 5);
      expect((await harness.request('POST', '/api/events', event)).status).toBe(202);
      const [log] = await harness.settledLogs(event.eventId, 1);
      const cli = await added(async () => {
        const run = new CliProcess(['retry', log!._id]);
        return { code: await run.exited, output: run.output };
      });
      expect(cli.answer).toMatchObject({ code: 0, output: expect.stringContaining(`Retried log ${log!._id}`) });
      expect(cli.rows.map((r) => [r.actorType, r.actorName, r.action, r.targetId, (r.detail as { via?: string }).via, r.clientAddress])).toEqual([
        ['system', 'system', 'log.retry', log!._id, 'labwire retry', null],
      ]);
    });

    it('integration create, update, disable, enable (an authentication or one trigger) and key regeneration, with no secret in the trail', async () => {
      const admin = harness.adminClient();
      const input = {
        labId: lab.labId,
        developerId: lab.developerId,
        integrationType: 'webhook',
        url: receiver.url(`/${uniqueId('audit-new')}`),
        extraDetails: { 'x-api-key': uniqueId('secret-api-key') },
        integrations: [{ actionCategoryId: 2 }],
      };
      const create = await added(() => admin.request('POST', '/api/integrations', input));
      expect(create.answer.status).toBe(201);
      const { authId, authKey } = create.answer.body as { authId: number; authKey: string };
      const triggerId = create.answer.body.integrations[0].id as number;
      expect(create.rows).toHaveLength(1);
      expect(create.rows[0]).toMatchObject({
        action: 'integration.create',
        actorName: 'admin',
        targetType: 'authentication',
        targetId: String(authId),
        detail: { labId: lab.labId, developerId: lab.developerId, integrationType: 'webhook', actionCategoryIds: [2] },
      });

      const update = await added(() => admin.request('POST', '/api/integrations', { ...input, authKey, integrations: [{ actionCategoryId: 2 }, { actionCategoryId: 4 }] }));
      expect(update.answer.status).toBe(200);
      expect(update.rows.map((r) => [r.action, r.targetId, (r.detail as { actionCategoryIds: number[] }).actionCategoryIds])).toEqual([['integration.update', String(authId), [2, 4]]]);

      const disable = await added(() => admin.request('PATCH', `/api/authentications/${authId}`, { isIntegrationEnable: false }));
      const enable = await added(() => admin.request('PATCH', `/api/authentications/${authId}`, { isIntegrationEnable: true }));
      const triggerOff = await added(() => admin.request('PATCH', `/api/lab-integrations/${triggerId}`, { isDisable: true }));
      const triggerOn = await added(() => admin.request('PATCH', `/api/lab-integrations/${triggerId}`, { isDisable: false }));
      expect([disable, enable, triggerOff, triggerOn].map(({ rows }) => rows.map((r) => `${r.action} ${r.targetType}:${r.targetId}`))).toEqual([
        [`integration.disable authentication:${authId}`],
        [`integration.enable authentication:${authId}`],
        [`integration.disable lab_integration:${triggerId}`],
        [`integration.enable lab_integration:${triggerId}`],
      ]);

      const regenerate = await added(() => admin.request('POST', `/api/authentications/${authId}/regenerate-key`));
      expect(regenerate.answer.status).toBe(200);
      expect(regenerate.rows.map((r) => `${r.action} ${r.targetType}:${r.targetId}`)).toEqual([`auth_key.regenerate authentication:${authId}`]);

      const rotate = await added(() => admin.request('POST', `/api/authentications/${authId}/rotate-signing-secret`, { overlapSeconds: 60 }));
      expect(rotate.answer.status).toBe(200);
      expect(rotate.rows.map((r) => `${r.action} ${r.targetType}:${r.targetId}`)).toEqual([`signing_secret.rotate authentication:${authId}`]);
      expect(JSON.stringify(rotate.rows)).not.toContain(rotate.answer.body.signingSecret as string);
      const missing = await added(() => admin.request('POST', '/api/authentications/2147483647/regenerate-key'));
      expect(missing.answer.status).toBe(404);
      expect(missing.rows).toEqual([]);

      const trail = JSON.stringify(await rowsOf('integration.update', { targetId: authId })) + JSON.stringify(await rowsOf('auth_key.regenerate', { targetId: authId }));
      const allOfThem = JSON.stringify([create, update, regenerate].flatMap(({ rows }) => rows)) + trail;
      for (const secret of [authKey, regenerate.answer.body.authKey as string, input.extraDetails['x-api-key'], input.url]) expect(allOfThem).not.toContain(secret);
    });

    it('user create, role change, disable, enable and password reset, with no password in the trail; refusals leave none', async () => {
      const admin = harness.adminClient();
      const username = uniqueId('audited');
      const create = await added(() => admin.request('POST', '/api/users', { username, role: 'viewer' }));
      expect(create.answer.status).toBe(201);
      const id = create.answer.body.id as number;
      expect(create.rows).toHaveLength(1);
      expect(create.rows[0]).toMatchObject({ action: 'user.create', actorName: 'admin', targetType: 'user', targetId: String(id), detail: { username, role: 'viewer', passwordGenerated: true } });

      const role = await added(() => admin.request('PATCH', `/api/users/${id}`, { role: 'operator' }));
      const disable = await added(() => admin.request('PATCH', `/api/users/${id}`, { disabled: true }));
      const enable = await added(() => admin.request('PATCH', `/api/users/${id}`, { disabled: false }));
      const reset = await added(() => admin.request('POST', `/api/users/${id}/reset-password`));
      expect(reset.answer.status).toBe(200);
      expect([role, disable, enable, reset].map(({ rows }) => rows.map((r) => [r.action, r.targetId, r.detail]))).toEqual([
        [['user.update', String(id), { username, role: 'operator', labIds: [] }]],
        [['user.disable', String(id), { username, disabled: true }]],
        [['user.enable', String(id), { username, disabled: false }]],
        [['user.password_reset', String(id), { username }]],
      ]);
      const trail = JSON.stringify([create, reset].flatMap(({ rows }) => rows));
      expect(trail).not.toContain(create.answer.body.password);
      expect(trail).not.toContain(reset.answer.body.password);

      const viewer = await harness.as('viewer');
      await viewer.signIn();
      const [me] = await db().select({ id: users.id }).from(users).where(eq(users.username, 'admin'));
      const refusals = await added(async () => [
        (await viewer.request('PATCH', `/api/users/${id}`, { role: 'admin' })).status,
        (await admin.request('PATCH', '/api/users/2147483647', { role: 'admin' })).status,
        (await admin.request('PATCH', `/api/users/${me!.id}`, { disabled: true })).status,
        (await admin.request('POST', '/api/users', { username, role: 'viewer' })).status,
      ]);
      expect(refusals.answer).toEqual([403, 404, 400, 400]);
      expect(refusals.rows).toEqual([]);
    });
  });

  it('the table is append-only in the database itself: UPDATE, DELETE and TRUNCATE are refused', async () => {
    const sqlClient = harness.services.configStore.sql;
    const before = await total();
    expect(before).toBeGreaterThan(0);
    await expect(sqlClient`update audit_events set actor_name = 'someone else'`).rejects.toThrow(/append-only: UPDATE/);
    await expect(sqlClient`delete from audit_events`).rejects.toThrow(/append-only: DELETE/);
    await expect(sqlClient`truncate audit_events`).rejects.toThrow(/append-only: TRUNCATE/);
    // Even when no row matches: a statement trigger refuses the attempt itself.
    await expect(sqlClient`delete from audit_events where id = -1`).rejects.toThrow(/append-only/);
    expect(await total()).toBe(before);
  });

  describe('GET /api/audit and its export', () => {
    it('answers admins only: 401 without a session, 403 for a viewer or an operator', async () => {
      for (const path of ['/api/audit', '/api/audit/export']) {
        expect((await harness.anonymous().request('GET', path)).status).toBe(401);
        for (const role of ['viewer', 'operator'] as const) {
          const answer = await (await harness.as(role)).request('GET', path);
          expect({ path, role, status: answer.status }).toEqual({ path, role, status: 403 });
        }
      }
    });

    it('filters by actor, action, target and time, and pages newest first with an opaque cursor', async () => {
      const admin = harness.adminClient();
      const actor = uniqueId('pager');
      await failedSignInRows(actor, 5);
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `/api/audit?actor=${encodeURIComponent(actor.toUpperCase())}&action=session.sign_in_failed&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await admin.request('GET', query);
        expect(page.status).toBe(200);
        for (const item of page.body.items) {
          expect(item).toMatchObject({ action: 'session.sign_in_failed', actor: { type: 'anonymous', userId: null, name: actor }, target: null, clientAddress: '127.0.0.1' });
          seen.push(item.id);
        }
        cursor = page.body.nextCursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(5);
      expect([...seen].sort((a, b) => b - a)).toEqual(seen);

      const byTarget = await admin.request('GET', `/api/audit?targetType=log&targetId=${failedLogId}&action=log.view_bodies,log.retry`);
      expect(byTarget.body.items.map((i: { action: string }) => i.action).sort()).toEqual(['log.retry', 'log.view_bodies']);

      const future = new Date(Date.now() + 3_600_000).toISOString();
      expect((await admin.request('GET', `/api/audit?actor=${actor}&from=${encodeURIComponent(future)}`)).body.items).toEqual([]);
      expect((await admin.request('GET', `/api/audit?actor=${actor}&to=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`)).body.items).toEqual([]);
      expect((await admin.request('GET', `/api/audit?actor=${actor}&from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&to=${encodeURIComponent(future)}`)).body.items).toHaveLength(5);
    });

    it('refuses bad filters and cursors with 400 naming the parameter', async () => {
      const admin = harness.adminClient();
      const first = await admin.request('GET', '/api/audit?action=session.sign_in_failed&limit=1');
      const cursor = first.body.nextCursor as string;
      for (const [query, field] of [
        ['action=log.delete', 'action.0'],
        ['targetType=planet', 'targetType'],
        ['from=yesterday', 'from'],
        ['from=2026-11-27T00:00:00Z&to=2026-11-26T00:00:00Z', 'to'],
        ['limit=0', 'limit'],
        ['cursor=not-a-cursor', 'cursor'],
        [`action=log.retry&cursor=${encodeURIComponent(cursor)}`, 'cursor'],
      ] as const) {
        const answer = await admin.request('GET', `/api/audit?${query}`);
        expect({ query, status: answer.status, field: answer.body.errors?.[0]?.field }).toEqual({ query, status: 400, field });
      }
    });

    it('exports the filtered rows as streamed JSON lines, the same entries as the pages, and records the export', async () => {
      const admin = harness.adminClient();
      const actor = uniqueId('exported');
      await failedSignInRows(actor, 3);
      const page = await admin.request('GET', `/api/audit?actor=${actor}`);
      const exported = await added(async () => {
        const response = await fetch(`${harness.api.url}/api/audit/export?actor=${actor}`, { headers: await admin.cookieHeader() });
        return { status: response.status, type: response.headers.get('content-type'), disposition: response.headers.get('content-disposition'), text: await response.text() };
      });
      expect(exported.answer.status).toBe(200);
      expect(exported.answer.type).toMatch(/^application\/x-ndjson/);
      expect(exported.answer.disposition).toMatch(/attachment; filename="labwire-audit-\d{4}-\d{2}-\d{2}\.jsonl"/);
      const lines = exported.answer.text.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
      expect(lines).toHaveLength(3);
      expect(lines).toEqual(page.body.items);
      expect(exported.rows.map((r) => [r.action, r.actorName, r.detail])).toEqual([['audit.export', 'admin', { filter: { actor } }]]);
    });

    it('exports more rows than one read batch (500), newest first, none twice', async () => {
      const admin = harness.adminClient();
      const actor = uniqueId('many');
      await db()
        .insert(auditEvents)
        .values(Array.from({ length: 1_100 }, () => ({ actorType: 'anonymous' as const, actorName: actor, action: 'session.sign_in_failed', clientAddress: '127.0.0.1' })));
      const response = await fetch(`${harness.api.url}/api/audit/export?actor=${actor}`, { headers: await admin.cookieHeader() });
      const ids = (await response.text())
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: number }).id);
      expect(ids).toHaveLength(1_100);
      for (let i = 1; i < ids.length; i += 1) expect(ids[i]!).toBeLessThan(ids[i - 1]!);
    });
  });
});

describe('audit trail behind a proxy', () => {
  const harness = new Harness((config) => {
    config.api.trustProxy = ['loopback'];
  });
  beforeAll(() => harness.start({ workers: false }));
  afterAll(() => harness.stop());

  it('records the client address X-Forwarded-For gives when TRUST_PROXY names the proxy', async () => {
    const username = uniqueId('proxied');
    const answer = await harness.anonymous().request('POST', '/api/session', { username, password: 'not-it-at-all' }, { 'x-forwarded-for': '203.0.113.9' });
    expect(answer.status).toBe(401);
    const rows = await harness.services.configStore.db.select().from(auditEvents).where(eq(auditEvents.actorName, username));
    expect(rows.map((r) => r.clientAddress)).toEqual(['203.0.113.9']);
  });
});
