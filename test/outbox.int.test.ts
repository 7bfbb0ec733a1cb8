import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { emitBusinessEvent, enqueueBusinessEvent, lazyTemporalClient } from '../src/client/emitter';
import { createLabwireClient } from '../src/client';
import { ensureTemporal } from '../src/devstack/temporal-server';
import { silent } from '../src/devstack/say';
import { eventually, testConfig, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';

const OWN_TEMPORAL_PORT = 27433;

describe('emitting while Temporal is down: the outbox', () => {
  const receiver = new Receiver();
  let sql: postgres.Sql;

  beforeAll(async () => {
    await receiver.start();
    sql = postgres(testConfig().postgres.url, { max: 2, onnotice: () => undefined });
  });
  afterAll(async () => {
    await sql.end();
    await receiver.stop();
  });

  it('given Temporal is stopped, the caller gets no exception, the event waits in the outbox, and is delivered once Temporal is up: exactly one log', async () => {
    // A Temporal server of this test's own, so it can be down when the event is emitted.
    const config = testConfig();
    config.dataDir = mkdtempSync(join(tmpdir(), 'labwire-outbox-'));
    config.temporal.port = OWN_TEMPORAL_PORT;
    config.temporal.uiPort = OWN_TEMPORAL_PORT + 1000;
    config.temporal.address = `127.0.0.1:${OWN_TEMPORAL_PORT}`;

    const setup = new Harness();
    await setup.start({ workers: false });
    const lab = await createLabFixture(setup.services.configStore.db);
    const path = `/${uniqueId('hook')}`;
    receiver.on(path, { status: 200 });
    await webhookIntegration(setup.services.configStore.db, lab, receiver.url(path));
    await setup.stop();

    const eventId = uniqueId('evt');
    const deadTemporal = lazyTemporalClient(config.temporal.address, config.temporal.namespace, config.temporal.payloadKeys);
    const result = await emitBusinessEvent({ temporal: deadTemporal, sql, taskQueue: config.temporal.taskQueue, startTimeoutMs: 1_000 }, billEvent(lab, eventId));
    await deadTemporal.connection.close().catch(() => undefined);
    expect(result).toMatchObject({ ok: true, via: 'outbox', eventId });
    const [waiting] = await sql<{ dispatched_at: Date | null }[]>`select dispatched_at from event_outbox where event_id = ${eventId}`;
    expect(waiting?.dispatched_at).toBeNull();

    const temporal = await ensureTemporal(config, silent);
    const harness = new Harness((c) => Object.assign(c, { temporal: { ...c.temporal, ...config.temporal }, dataDir: config.dataDir }));
    try {
      await harness.start();
      const [log] = await harness.settledLogs(eventId, 1, 30_000);
      expect(log?.status).toBe('SUCCESS');
      await eventually(async () => {
        const [row] = await sql<{ dispatched_at: Date | null }[]>`select dispatched_at from event_outbox where event_id = ${eventId}`;
        return row?.dispatched_at ? row : undefined;
      });
      expect(await harness.logsForEvent(eventId)).toHaveLength(1);
      expect(receiver.requestsTo(path)).toHaveLength(1);
    } finally {
      await harness.stop();
      await temporal.process?.stop(10_000);
    }
  }, 120_000); // starts its own servers or processes: more than the default minute on 2 busy cores

  describe('with Temporal up', () => {
    const harness = new Harness();
    beforeAll(async () => {
      await harness.start();
    });
    afterAll(async () => {
      await harness.stop();
    });

    it("enqueueBusinessEvent writes inside the caller's transaction: a rollback leaves nothing, a commit is delivered once", async () => {
      const lab = await createLabFixture(harness.services.configStore.db);
      const path = `/${uniqueId('hook')}`;
      receiver.on(path, { status: 200 });
      await webhookIntegration(harness.services.configStore.db, lab, receiver.url(path));

      const rolledBack = uniqueId('evt');
      await expect(
        sql.begin(async (tx) => {
          await enqueueBusinessEvent(tx, billEvent(lab, rolledBack));
          throw new Error('the business change failed');
        }),
      ).rejects.toThrow('the business change failed');
      expect(await sql`select 1 from event_outbox where event_id = ${rolledBack}`).toHaveLength(0);

      const committed = uniqueId('evt');
      await sql.begin(async (tx) => {
        const result = await enqueueBusinessEvent(tx, billEvent(lab, committed));
        expect(result).toMatchObject({ ok: true, via: 'outbox' });
      });
      const [log] = await harness.settledLogs(committed, 1);
      expect(log?.status).toBe('SUCCESS');
      expect(receiver.requestsTo(path)).toHaveLength(1);
    });

    it('the client library never throws: an invalid event and an unreachable everything come back as results', async () => {
      const client = createLabwireClient({ temporalAddress: '127.0.0.1:1', databaseUrl: 'postgres://postgres@127.0.0.1:1/nothing', startTimeoutMs: 500 });
      try {
        const invalid = await client.emitBusinessEvent({ eventId: 'x', labId: 'seven' });
        expect(invalid).toMatchObject({ ok: false, eventId: 'x' });
        expect(invalid.ok === false && invalid.problems?.map((p) => p.field)).toEqual(expect.arrayContaining(['labId', 'actionCategoryId', 'entity', 'activityDate']));
        const unreachable = await client.emitBusinessEvent({ eventId: uniqueId('evt'), labId: 1, actionCategoryId: 1, entity: { type: 'bill', id: 1 }, activityDate: '2026-11-26T10:00:00Z' });
        expect(unreachable.ok).toBe(false);
        expect(unreachable.ok === false && unreachable.error).toMatch(/^Temporal \(.*\) and the outbox \(.*\) both failed$/);
      } finally {
        await client.close();
      }
    });
  });
});
