import { relative } from 'node:path';
import type { Config } from '../../config/schema';
import { projectRoot } from '../../config/schema';
import { seedDemoConfiguration } from '../../db/demo-seed';
import { startStack } from '../../devstack/stack';
import type { Say } from '../../devstack/say';
import { redactUrl } from '../redact';
import { ensureDashboardBuilt } from '../dashboard-build';
import { onShutdown } from '../shutdown';
import { runApi } from './api';
import { runWorker } from './worker';
import { openServices } from '../../services';
import { payloadKeysNotice } from '../../temporal/connection';
import { createLogger } from '../../logger';
import { logUncaughtAndKeepServing } from '../uncaught-errors';
import { demoSummary, startLocalDemo, switchOffLocalDemo } from '../../demo/local-demo';

/** `labwire start`: the whole local stack, demo configuration, a worker and the API in one process. */
export async function startCommand(config: Config, say: Say): Promise<void> {
  const startedAt = Date.now();
  if (!process.env.TARGET_ALLOWLIST) {
    // The local demo's partners (receivers, Mirth) live on this machine; production keeps loopback blocked.
    config.delivery.allowedNetworks = ['127.0.0.0/8', '::1/128'];
    say('Webhook targets: loopback allowed for the local stack (set TARGET_ALLOWLIST to change)');
  }
  ensureDashboardBuilt(say);
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  onShutdown(closeAll, say);
  try {
    await bringUp(config, say, closers, startedAt);
  } catch (error) {
    // Never leave a half-started stack behind: stop what did start, then report.
    await closeAll();
    throw error;
  }
  logUncaughtAndKeepServing(createLogger(config, 'process'));
}

async function bringUp(config: Config, say: Say, closers: Array<() => Promise<void>>, startedAt: number): Promise<void> {
  const stack = await startStack(config, say);
  closers.push(() => stack.stop());
  say('PostgreSQL: applying migrations and seeding demo configuration');
  const services = await openServices(config, { migrate: true });
  closers.push(() => services.close());
  await seedDemoConfiguration(services.configStore.db);
  // Only here: `labwire worker` and `labwire api` never run the demo (test/unit/demo-wiring.test.ts).
  // Its integrations point at this start's ports before the worker runs any delivery.
  const demo = config.demo ? await startLocalDemo(config, services) : undefined;
  if (demo) closers.push(() => demo.stop());
  else say(await switchOffLocalDemo(services));

  say(payloadKeysNotice(config.temporal));
  const worker = await runWorker(config, services, say);
  closers.push(() => worker.stop());
  const api = await runApi(config, services, say, { demo: demo !== undefined });
  closers.push(() => api.close());

  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  say(
    [
      '',
      `Labwire is ready (${seconds} s). Press Ctrl-C to stop everything.`,
      `  Dashboard + API   ${api.url}`,
      `  Temporal Web UI   ${stack.temporal.uiUrl}`,
      `  Temporal gRPC     ${stack.temporal.address} (namespace ${config.temporal.namespace})`,
      `  Log store         ${redactUrl(stack.logStore.url)}${config.logStore.externalUrl ? '' : ' (FerretDB)'}`,
      `  PostgreSQL        ${redactUrl(config.postgres.url)}`,
      `  Data directory    ${relative(projectRoot, config.dataDir) || config.dataDir}`,
      '',
    ].join('\n'),
  );
  if (demo) say(demoSummary(config, await demo.fireEvents()));
}
