import { createHash } from 'node:crypto';

/**
 * A log id derived from the event and the trigger: a repeated event (a retried emit, an outbox
 * relay running twice, a replay) always names the same log and the same `delivery-<logId>` workflow.
 */
export function deliveryLogId(eventId: string, labIntegrationId: number): string {
  return createHash('sha256').update(`${eventId}\u0000${labIntegrationId}`).digest('hex').slice(0, 24);
}
