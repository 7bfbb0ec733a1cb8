import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../src/config/schema';
import { eventDeliveriesQuery } from '../workflows/definitions';
import { steps as stepNames } from '../workflows/step-names';
import { ensureLogStore, type LogStoreEndpoint } from '../src/devstack/ferretdb';
import { silent } from '../src/devstack/say';
import { eventually, testConfig, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { billEvent, webhookIntegration } from './support/integrations';
import { createLabFixture } from './support/lab-fixtures';
import { Receiver } from './support/receiver';

const OWN_FERRET_PORT = 47217;

/** A FerretDB of this test's own, so it can be stopped and started without touching the shared one. */
function ownLogStoreConfig(): Config {
  const config = testConfig();
  config.dataDir = mkdtempSync(join(tmpdir(), 'labwire-outage-'));
  config.logStore.ferret.port = OWN_FERRET_PORT;
  config.logStore.url = `mongodb://127.0.0.1:${OWN_FERRET_PORT}/`;
  config.logStore.ferret.postgresUrl = config.logStore.ferret.postgresUrl.replace(/_ferretdb$/, '_outage_ferretdb');
  return config;
}

describe('log store outage', () => {
  const receiver = new Receiver();
  const config = ownLogStoreConfig();
  let ferret: LogStoreEndpoint;
  let harness: Harness;

  beforeAll(async () => {
    await receiver.start();
    ferret = await ensureLogStore(config, silent);
    const queue = uniqueId('outage');
    harness = new Harness((c) => {
      Object.assign(c, { logStore: config.logStore, dataDir: config.dataDir });
      // Task queues of its own: deliveries of other tests (logged in the shared store) must not land on these workers.
      c.temporal.taskQueue = queue;
      c.temporal.crelioTaskQueue = `${queue}-crelio`;
      c.temporal.workerQueues = [queue, `${queue}-crelio`];
      // The receiver answers only once FerretDB has stopped, which can take longer than the tests' usual timeout.
      c.delivery.webhookTimeoutMs = 15_000;
    });
    await harness.start();
  });
  afterAll(async () => {
    await harness.stop();
    await ferret.process?.stop(10_000);
    await receiver.stop();
  });

  it('given FerretDB stops during a dispatch, the delivery waits for it and the log ends correct once it is back', async () => {
    const lab = await createLabFixture(harness.services.configStore.db);
    const path = `/${uniqueId('hook')}`;
    let outage: Promise<void> | undefined;
    receiver.on(path, async () => {
      // The log was pre-created; now the store goes away before the outcome can be written.
      outage = ferret.process!.stop(10_000);
      await outage;
      return { status: 200, body: 'delivered during an outage' };
    });
    await webhookIntegration(harness.services.configStore.db, lab, receiver.url(path));
    const eventId = uniqueId('evt');
    expect((await harness.request('POST', '/api/events', billEvent(lab, eventId))).status).toBe(202);

    await eventually(async () => outage !== undefined);
    await outage;
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // the store stays down a while: finalizeLog keeps retrying
    ferret = await ensureLogStore(config, silent);

    const [log] = await harness.settledLogs(eventId, 1, 45_000);
    expect(log).toMatchObject({ status: 'SUCCESS', response_status_code: 200, response_body: 'delivered during an outage' });
    expect(receiver.requestsTo(path)).toHaveLength(1);
    // Its attempt record was lost while the store was down; finalizeLog wrote it once the store was back.
    expect(log?.attempts.map((a) => a.statusCode)).toEqual([200]);
    const handle = harness.services.temporal.workflow.getHandle(log!.workflow_id!);
    expect(await handle.query(eventDeliveriesQuery)).toEqual([expect.objectContaining({ logId: log!._id, status: 'SUCCESS', phase: 'done' })]);
    // The send could not record its outcome, so it handed it to the workflow, which wrote it (finalizeLog) once the store was back
    const steps = (await handle.fetchHistory()).events?.map((e) => Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString('utf8')) ?? [];
    expect(steps).toEqual(expect.arrayContaining([JSON.stringify(stepNames.sendAndRecordWebhook), JSON.stringify(stepNames.finalizeLog)]));
  });
});
