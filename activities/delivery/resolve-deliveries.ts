import type { Config } from '../../src/config/schema';
import type { ConfigDb } from '../../src/db/config-store';
import { findActiveIntegrations } from '../../src/integrations/active-integrations';
import type { BusinessEvent, DeliverySettings, DeliveryTarget } from '../../workflows/types';
import { endpointOfMirth, endpointOfUrl } from '../../src/logstore/endpoint';
import { deliveryLogId } from './log-id';

export interface ResolvedDeliveries {
  targets: DeliveryTarget[];
  settings: DeliverySettings;
}

export function deliverySettings(config: Config): DeliverySettings {
  const { delivery } = config;
  return {
    webhookTimeoutMs: delivery.webhookTimeoutMs,
    webhookMaxAttempts: delivery.webhookMaxAttempts,
    retryBaseDelayMs: delivery.retryBaseDelayMs,
    retryMaxDelayMs: delivery.retryMaxDelayMs,
    mirthAckTimeoutMs: delivery.mirthAckTimeoutMs,
    asyncCallbackTimeoutMs: delivery.asyncCallbackTimeoutMs,
    retentionMs: delivery.retentionMs,
  };
}

/** The active integrations for an event, as delivery targets routed to their origin's task queue. */
export async function resolveDeliveries(db: ConfigDb, config: Config, event: BusinessEvent): Promise<ResolvedDeliveries> {
  const rows = await findActiveIntegrations(db, event);
  const targets = rows.map((row) => ({
    logId: deliveryLogId(event.eventId, row.labIntegrationId),
    authId: row.authId,
    labIntegrationId: row.labIntegrationId,
    developerId: row.developerId,
    developerName: row.developerName,
    actionCategoryId: row.actionCategoryId,
    operation: row.operation,
    origin: row.origin,
    integrationType: row.integrationType,
    payloadType: row.payloadType,
    endpoint: row.integrationType === 'mirth' ? endpointOfMirth(row.mirthHost, row.mirthPort) : endpointOfUrl(row.url),
    taskQueue: row.origin === 'crelio-app' ? config.temporal.crelioTaskQueue : config.temporal.taskQueue,
  }));
  return { targets, settings: deliverySettings(config) };
}
