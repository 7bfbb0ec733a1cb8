import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { uniqueId } from './support/fixtures';
import { addUpdateIntegration } from '../src/integrations/add-update-integration';
import { integrationInputSchema } from '../src/integrations/integration-input';
import { Harness } from './support/harness';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { MirthPeer } from './support/mirth-peer';

/**
 * One allowlist for every outbound connection, decided at connect time. This worker may reach
 * 127.0.0.1 only; a listener on 127.0.0.2 — an address of this machine the allowlist refuses,
 * standing in for a private or metadata address — counts every connection made to it.
 */
describe('the target guard on deliveries: TARGET_ALLOWLIST=127.0.0.1/32', () => {
  const harness = new Harness((config) => {
    config.delivery.allowedNetworks = ['127.0.0.1/32'];
  });
  const peer = new MirthPeer();
  let peerPort: number;
  let refused: Server;
  let refusedPort: number;
  let connections = 0;
  let lab: LabFixture;

  beforeAll(async () => {
    peerPort = await peer.start();
    refused = createServer((socket) => socket.destroy());
    refused.on('connection', () => (connections += 1));
    refused.listen(0, '127.0.0.2');
    await once(refused, 'listening');
    refusedPort = (refused.address() as AddressInfo).port;
    await harness.start();
  });
  afterAll(async () => {
    await harness.stop();
    await peer.stop();
    await new Promise((resolve) => refused.close(resolve));
  });
  beforeEach(async () => {
    lab = await createLabFixture(harness.services.configStore.db);
  });

  const integrationOf = (integration: Record<string, unknown>) => ({
    labId: lab.labId, developerId: lab.developerId, integrations: [{ actionCategoryId: 2 }], ...integration,
  });

  /**
   * The API already refuses a target written as a refused address when it is saved (tested below);
   * these integrations are written straight to the store, as ones saved before that rule or under
   * another allowlist, so the connect-time guard is what is exercised.
   */
  async function deliver(integration: Record<string, unknown>) {
    await addUpdateIntegration(harness.services.configStore.db, integrationInputSchema.parse(integrationOf(integration)));
    const eventId = uniqueId('evt');
    const emitted = await harness.request('POST', '/api/events', {
      eventId, labId: lab.labId, actionCategoryId: 2, entity: { type: 'patient', id: lab.patientId }, activityDate: '2026-11-30T06:00:00Z',
    });
    expect(emitted.status).toBe(202);
    const [log] = await harness.settledLogs(eventId, 1);
    return log!;
  }

  const blocked = (port: number): string =>
    `Blocked target address 127.0.0.2 (loopback) for host 127.0.0.2 port ${port}; not allowed unless TARGET_ALLOWLIST includes it`;

  it('given a Mirth integration at 127.0.0.2, the delivery fails with the guard’s error and no connection is ever made', async () => {
    const before = connections;

    const log = await deliver({ integrationType: 'mirth', payloadType: 'ADT', extraDetails: { host: '127.0.0.2', port: refusedPort } });

    expect(log).toMatchObject({ status: 'FAIL', sent_to_mirth: false, fusion_log: 'Failed at Livehealthapp', error_message: blocked(refusedPort) });
    expect(connections - before).toBe(0);
  });

  it('given a webhook to 127.0.0.2, the same allowlist refuses it without a connection', async () => {
    const before = connections;

    const log = await deliver({ integrationType: 'webhook', url: `http://127.0.0.2:${refusedPort}/hook` });

    expect(log).toMatchObject({ status: 'FAIL', error_message: blocked(refusedPort) });
    expect(connections - before).toBe(0);
  });

  it('given a Mirth host or webhook URL at 127.0.0.2, saving it through the API is refused naming the field, and nothing connects', async () => {
    const before = connections;

    const mirth = await harness.request('POST', '/api/integrations', integrationOf({ integrationType: 'mirth', payloadType: 'ADT', extraDetails: { host: '127.0.0.2', port: refusedPort } }));
    const webhook = await harness.request('POST', '/api/integrations', integrationOf({ integrationType: 'webhook', url: `http://127.0.0.2:${refusedPort}/hook` }));

    expect(mirth.status).toBe(400);
    expect(mirth.body.errors).toEqual([{ field: 'extraDetails.host', message: '127.0.0.2 is a loopback address; not allowed unless TARGET_ALLOWLIST includes it' }]);
    expect(webhook.status).toBe(400);
    expect(webhook.body.errors).toEqual([{ field: 'url', message: '127.0.0.2 is a loopback address; not allowed unless TARGET_ALLOWLIST includes it' }]);
    expect(connections - before).toBe(0);
  });

  it('given a Mirth integration at 127.0.0.1, inside the allowlist, the message is delivered', async () => {
    const log = await deliver({ integrationType: 'mirth', payloadType: 'ADT', extraDetails: { host: '127.0.0.1', port: peerPort } });

    expect(log).toMatchObject({ status: 'SUCCESS', sent_to_mirth: true, fusion_log: 'Sent to Mirth' });
  });
});
