import pino from 'pino';
import { createApp } from '../src/api/app';
import { listen, type RunningServer } from '../src/api/server';
import { openServices, type Services } from '../src/services';
import { openLogStore } from '../src/logstore/log-store';
import { ApiClient } from './support/api-client';
import { testConfig } from './support/fixtures';
import { TEST_ADMIN_PASSWORD } from './support/test-environment';

describe('API health', () => {
  const config = testConfig();
  let services: Services;
  let server: RunningServer;

  beforeAll(async () => {
    services = await openServices(config);
    server = await listen(createApp({ config, ...services, logger: pino({ level: 'silent' }) }), '127.0.0.1', 0);
  });
  afterAll(async () => {
    await server.close();
    await services.close();
  });

  it('answers /healthz while the process runs', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with each server checked', async () => {
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { postgres: { ok: true }, logStore: { ok: true }, temporal: { ok: true } },
    });
  });

  it('given the log store connection is gone, /readyz is 503 and names it; why, only to a signed-in user', async () => {
    const closedStore = await openLogStore(config.logStore.url, config.logStore.database);
    await closedStore.close();
    const app = createApp({ config, ...services, logStore: closedStore, logger: pino({ level: 'silent' }) });
    const degraded = await listen(app, '127.0.0.1', 0);
    try {
      const response = await fetch(`${degraded.url}/readyz`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { checks: Record<string, { ok: boolean; error?: string }> };
      expect(body.checks).toEqual({ postgres: { ok: true }, logStore: { ok: false }, temporal: { ok: true } });

      const signedIn = await new ApiClient(degraded.url, { username: 'admin', password: TEST_ADMIN_PASSWORD }).request('GET', '/readyz');
      expect(signedIn.status).toBe(503);
      expect(signedIn.body.checks.logStore).toEqual({ ok: false, error: expect.any(String) });
    } finally {
      await degraded.close();
    }
  });

  it('answers an unknown route with problem+json and no internals', async () => {
    const response = await fetch(`${server.url}/api/nothing-here`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 404, title: 'Not Found', detail: 'No route for GET /api/nothing-here' });
  });
});
