import { createApp } from '../../api/app';
import { bootstrapAdmin } from '../../auth/bootstrap';
import { listen, type RunningServer } from '../../api/server';
import type { Config } from '../../config/schema';
import type { Say } from '../../devstack/say';
import { createLogger } from '../../logger';
import { openServices, type Services } from '../../services';
import { payloadKeysNotice } from '../../temporal/connection';
import { ensureDashboardBuilt } from '../dashboard-build';
import { onShutdown } from '../shutdown';
import { logUncaughtAndKeepServing } from '../uncaught-errors';

/** `demo`: this process runs the demo partner (only `labwire start` does); the dashboard shows a Demo badge. */
export async function runApi(config: Config, services: Services, say: Say, options: { demo?: boolean } = {}): Promise<RunningServer> {
  await bootstrapAdmin(config, services.configStore.db, say);
  const app = createApp({ config, ...services, logger: createLogger(config, 'api'), demo: options.demo === true });
  return listen(app, config.api.host, config.api.port);
}

/** `labwire api`: the API and dashboard against servers that are already running. */
export async function apiCommand(config: Config, say: Say): Promise<void> {
  ensureDashboardBuilt(say);
  const services = await openServices(config, { migrate: true });
  const server = await runApi(config, services, say);
  onShutdown(async () => {
    await server.close();
    await services.close();
  }, say);
  say(payloadKeysNotice(config.temporal));
  say(`API listening on ${server.url}`);
  logUncaughtAndKeepServing(createLogger(config, 'process'));
}
