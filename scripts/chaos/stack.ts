// The chaos run's own stack: fresh databases, the Temporal server (dev, or a two-node cluster), and the lab's integrations.
import { join } from 'node:path';
import postgres from 'postgres';
import type { Config } from '../../src/config/schema';
import { removeDevServerDatabase } from '../../src/devstack/temporal-server';
import type { ApiClient } from '../../test/support/api-client';
import type { LabFixture } from '../../test/support/lab-fixtures';
import { ProductionTemporal } from '../temporal-server/production-temporal';
import type { ChaosPlace } from './environment';
import type { FaultyHttpPartner, FaultyMirth } from './partners';
import { RestartableServer } from './processes';
import { say } from './say';

/** `--server cluster`: two nodes of Temporal server on fresh databases, each started and stopped on its own. */
export async function clusterNodes(config: Config, place: ChaosPlace): Promise<RestartableServer[]> {
  const cluster = await ProductionTemporal.prepare(config, {
    root: join(place.dataDir, 'temporal-cluster'),
    logDir: join(place.dataDir, 'logs'),
    databases: place.clusterDatabases,
    frontendPorts: place.clusterFrontendPorts,
    historyShards: 4,
    // Two nodes of four services each share the machine's PostgreSQL (100 clients) with FerretDB and four Labwire processes.
    connections: { persistence: 4, visibility: 1 },
    say,
  });
  return place.clusterFrontendPorts.map((_, node) => new RestartableServer(`Temporal cluster node ${node + 1}`, () => cluster.startNode(node)));
}

export async function freshState(config: Config, place: ChaosPlace): Promise<void> {
  removeDevServerDatabase(place.dataDir);
  const admin = postgres('postgres://postgres@127.0.0.1:5432/postgres', { max: 1, onnotice: () => undefined });
  try {
    for (const url of [config.postgres.url, config.logStore.ferret.postgresUrl]) {
      const name = decodeURIComponent(new URL(url).pathname.slice(1));
      if (!name.startsWith('labwire_chaos')) throw new Error(`refusing to drop ${name}: not a chaos database`);
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
    }
  } finally {
    await admin.end();
  }
}

export async function createIntegrations(admin: ApiClient, lab: LabFixture, partner: FaultyHttpPartner, mirth: FaultyMirth) {
  const add = async (body: Record<string, unknown>) => {
    const answer = await admin.request('POST', '/api/integrations', { labId: lab.labId, developerId: lab.developerId, ...body });
    if (answer.status !== 201) throw new Error(`adding a ${String(body.integrationType)} integration: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as { authKey: string; integrations: Array<{ id: number }> };
  };
  const webhook = await add({ integrationType: 'webhook', url: partner.url('/hook'), integrations: [{ actionCategoryId: 1 }] });
  const vendor = await add({ integrationType: 'async_vendor', url: partner.url('/vendor'), extraDetails: { vendor: 'ChaosCourier' }, integrations: [{ actionCategoryId: 3 }] });
  const hl7 = await add({ integrationType: 'mirth', payloadType: 'ORU_R01', extraDetails: { host: '127.0.0.1', port: mirth.port }, integrations: [{ actionCategoryId: 4 }] });
  return {
    partnerKey: webhook.authKey,
    vendorKey: vendor.authKey,
    integrationOf: { webhook: webhook.integrations[0]!.id, vendor: vendor.integrations[0]!.id, mirth: hl7.integrations[0]!.id },
  };
}
