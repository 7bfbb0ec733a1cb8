import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import express from 'express';
import { listen, type RunningServer } from '../src/api/server';
import type { ContextProvider } from '../src/context/context-provider';
import { httpContextProvider } from '../src/context/http-context-provider';
import { postgresContextProvider } from '../src/context/postgres-context-provider';
import { openConfigStore, type ConfigStore } from '../src/db/config-store';
import { NotFoundError } from '../src/errors';
import { BlockedTargetError } from '../src/net/target-guard';
import { testConfig } from './support/fixtures';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';

/** The test lab backend listens on loopback, which the guard refuses unless allowed. */
const LOOPBACK = ['127.0.0.0/8'];

describe('ContextProvider implementations', () => {
  let store: ConfigStore;
  let fromPostgres: ContextProvider;
  let labBackend: RunningServer;
  let lab: LabFixture;

  beforeAll(async () => {
    store = openConfigStore(testConfig().postgres.url, { max: 2 });
    fromPostgres = postgresContextProvider(store.db);
    lab = await createLabFixture(store.db);
    // A lab backend that serves the documented routes (here backed by the same sample schema).
    const app = express();
    app.get('/labs/:labId', async (req, res) => {
      res.json(await fromPostgres.loadLab(Number(req.params.labId)));
    });
    app.get('/labs/:labId/:type/:id', async (req, res) => {
      if (req.params.id === '500') return void res.status(500).send('backend exploded');
      try {
        const type = req.params.type.replace(/s$/, '') as 'bill' | 'report' | 'patient';
        res.json(await fromPostgres.loadEntity(Number(req.params.labId), { type, id: Number(req.params.id) }));
      } catch (error) {
        res.status(error instanceof NotFoundError ? 404 : 500).send(String(error));
      }
    });
    labBackend = await listen(app, '127.0.0.1', 0);
  });
  afterAll(async () => {
    await labBackend.close();
    await store.close();
  });

  it('the http provider returns what the lab backend serves, the same objects as the postgres provider', async () => {
    const fromHttp = httpContextProvider(labBackend.url, { allowedNetworks: LOOPBACK });
    expect(await fromHttp.loadLab(lab.labId)).toEqual(await fromPostgres.loadLab(lab.labId));
    for (const entity of [{ type: 'bill', id: lab.billId }, { type: 'report', id: lab.reportId }, { type: 'patient', id: lab.patientId }] as const) {
      expect(await fromHttp.loadEntity(lab.labId, entity)).toEqual(await fromPostgres.loadEntity(lab.labId, entity));
    }
  });

  it('a 404 from the lab backend is a permanent NotFoundError; a 500 is an ordinary (retryable) error', async () => {
    const fromHttp = httpContextProvider(labBackend.url, { allowedNetworks: LOOPBACK });
    await expect(fromHttp.loadEntity(lab.labId, { type: 'bill', id: 99_999_999 })).rejects.toBeInstanceOf(NotFoundError);
    const failure = fromHttp.loadEntity(lab.labId, { type: 'bill', id: 500 });
    await expect(failure).rejects.toThrow('lab backend answered 500 for bill 500');
    await expect(failure).rejects.not.toBeInstanceOf(NotFoundError);
  });

  it('given TARGET_ALLOWLIST=127.0.0.1/32 and a lab backend listening on 127.0.0.2, the http provider refuses it permanently and never connects', async () => {
    const elsewhere = createServer((socket) => socket.destroy());
    let connections = 0;
    elsewhere.on('connection', () => (connections += 1));
    elsewhere.listen(0, '127.0.0.2');
    await once(elsewhere, 'listening');
    const { port } = elsewhere.address() as AddressInfo;
    try {
      const guarded = httpContextProvider(`http://127.0.0.2:${port}`, { allowedNetworks: ['127.0.0.1/32'] });
      const failure = guarded.loadEntity(lab.labId, { type: 'bill', id: lab.billId });
      await expect(failure).rejects.toBeInstanceOf(BlockedTargetError);
      await expect(failure).rejects.toThrow(
        `Blocked target address 127.0.0.2 (loopback) for host 127.0.0.2 port ${port}; not allowed unless TARGET_ALLOWLIST includes it`,
      );
      // The same allowlist lets the backend on 127.0.0.1 through: the guard judges the address, not the provider.
      const allowed = httpContextProvider(labBackend.url, { allowedNetworks: ['127.0.0.1/32'] });
      expect(await allowed.loadLab(lab.labId)).toEqual(await fromPostgres.loadLab(lab.labId));
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });

  it('the postgres provider refuses an entity of another lab', async () => {
    const other = await createLabFixture(store.db);
    await expect(fromPostgres.loadEntity(lab.labId, { type: 'report', id: other.reportId })).rejects.toThrow(`report ${other.reportId} does not exist in lab ${lab.labId}`);
  });
});
