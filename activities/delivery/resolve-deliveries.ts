import type { Config } from '../../src/config/schema';
import type { ConfigDb } from '../../src/db/config-store';
import { findActiveIntegrations } from '../../src/integrations/active-integrations';
import type { BusinessEvent, DeliverySettings, DeliveryTarget } from '../../workflows/types';
import { endpointOfMirth, endpointOfUrl } from '../../src/logstore/endpoint';
import { deliveryLogId } from './log-id';
import { extraDetailsSchema, type ExtraDetails } from '../../src/integrations/integration-input';

export interface ResolvedDeliveries {
  targets: DeliveryTarget[];
  settings: DeliverySettings;
  /** Per log id: its integration's flow control (extra details `flowControl`), when it has any. */
  flows?: Record<string, FlowControl>;
}

export type FlowControl = NonNullable<ExtraDetails['flowControl']>;

const flowControlSchema = extraDetailsSchema.shape.flowControl.unwrap();
const breakerSchema = extraDetailsSchema.shape.breaker.unwrap();

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
  const flows: Record<string, FlowControl> = {};
  const targets = rows.map((row): DeliveryTarget => {
    const logId = deliveryLogId(event.eventId, row.labIntegrationId);
    // Checked when saved; one stored otherwise counts as none.
    const flow = flowControlSchema.safeParse(row.flowControl ?? undefined);
    if (flow.success && Object.keys(flow.data).length) flows[logId] = flow.data;
    const breaker = breakerSchema.safeParse(row.breaker ?? undefined);
    return {
      logId,
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
      ...(breaker.success && Object.keys(breaker.data).length ? { breaker: breaker.data } : {}),
    };
  });
  return { targets, settings: deliverySettings(config), ...(Object.keys(flows).length ? { flows } : {}) };
}
