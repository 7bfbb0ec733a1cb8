import { log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Config } from '../src/config/schema';
import type { ContextProvider } from '../src/context/context-provider';
import type { ConfigDb } from '../src/db/config-store';
import type { DeliveryLogs } from '../src/logstore/delivery-logs';
import { createBodyRetentionActivities } from './body-retention';
import { createBulkRetryActivities } from './bulk-retry';
import { createDeliveryActivities } from './delivery';
import { createEndpointActivities } from './endpoints';
import { createMirthActivities } from './mirth/send-to-mirth';
import { createStackActivities } from './stack';
import { createSweepActivities } from './sweep';
import { createWebhookActivities } from './webhook/dispatch-webhook';

export interface ActivityDeps {
  config: Config;
  db: ConfigDb;
  logs: DeliveryLogs;
  contextProvider: ContextProvider;
  temporal: Client;
}

/** Every activity the worker registers, built from the clients it is given; `close` releases the HTTP agent. */
export function createActivities(deps: ActivityDeps) {
  const { delivery } = deps.config;
  const webhook = createWebhookActivities({
    // Passive: if the log store is down, the attempt is not worth re-sending the webhook for.
    // The final attempt still reaches the log through finalizeLog, which waits for the store.
    recordAttempt: (logId, attempt) =>
      deps.logs.recordAttempt(logId, attempt).catch((error: unknown) => {
        log.warn('could not record a webhook attempt; the log store may be down', { logId, attempt: attempt.attempt, error: String(error) });
      }),
    allowedNetworks: delivery.allowedNetworks,
    maxBodyBytes: delivery.maxBodyBytes,
  });
  const activities = {
    ...createStackActivities(),
    ...createDeliveryActivities({ ...deps, webhook, mirth: createMirthActivities({ allowedNetworks: delivery.allowedNetworks }) }),
    ...createEndpointActivities(deps),
    ...createSweepActivities(deps),
    ...createBulkRetryActivities(deps),
    ...createBodyRetentionActivities(deps),
  };
  return { activities, close: () => webhook.close() };
}

export type Activities = ReturnType<typeof createActivities>['activities'];
