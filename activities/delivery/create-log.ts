import type { DeliveryLogs } from '../../src/logstore/delivery-logs';
import type { LogDocument } from '../../src/logstore/log-document';
import type { DeliveryInput } from '../../workflows/types';

export interface ExecutionRef {
  workflowId: string;
  runId: string;
}

/** The QUEUED log pre-created before anything else, so it exists even if everything after dies. */
/** `waiting`: why it waits for its endpoint's turn (a paused endpoint), shown as its error message until it is sent. */
export function queuedLog(input: DeliveryInput, execution: ExecutionRef, now: Date, waiting?: string): LogDocument {
  const { event, target } = input;
  return {
    _id: target.logId,
    type: 'WEBHOOK',
    lab_id: event.labId,
    org_id: event.orgId ?? null,
    developer_id: target.developerId,
    developer_name: target.developerName,
    // A test delivery of a draft that was never saved has neither (0 in its target).
    auth_id: target.authId || null,
    lab_integration_id: target.labIntegrationId || null,
    action_category_id: target.actionCategoryId,
    operation: target.operation,
    integration_type: target.integrationType,
    status: 'QUEUED',
    error_message: waiting ?? null,
    request: null,
    response_body: null,
    response_status_code: null,
    response_time: null,
    fusion_log: null,
    sent_to_mirth: false,
    retry_count: 0,
    auto_retry_count: 0,
    triggered_by_py3: target.origin === 'crelio-app',
    origin: target.origin,
    retry_context: {
      entity_type: event.entity.type,
      entity_id: event.entity.id,
      lab_id: event.labId,
      org_id: event.orgId ?? null,
      action_category_id: target.actionCategoryId,
      lab_integration_id: target.labIntegrationId || null,
      auth_id: target.authId || null,
    },
    workflow_id: execution.workflowId,
    run_id: execution.runId,
    event_id: event.eventId,
    inserted_at: now,
    activity_date: new Date(event.activityDate),
    updated_at: now,
    attempts: [],
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.test ? { test: true as const } : {}),
  };
}

export async function createLog(logs: DeliveryLogs, input: DeliveryInput, execution: ExecutionRef, waiting?: string): Promise<{ created: boolean }> {
  return logs.createQueued(queuedLog(input, execution, new Date(), waiting));
}
