import { Context } from '@temporalio/activity';
import type { Config } from '../../src/config/schema';
import type { ContextProvider } from '../../src/context/context-provider';
import type { ConfigDb } from '../../src/db/config-store';
import type { DeliveryLogs } from '../../src/logstore/delivery-logs';
import type { LogFinalFields } from '../../src/logstore/delivery-logs';
import type { RetryLogDocument } from '../../src/logstore/log-document';
import type { PublishLogChange } from '../../src/logstore/log-changes';
import type { BusinessEvent, DeliveryInput, DeliveryOutcome, LogStatus, RetryRequest } from '../../workflows/types';
import type { MirthSendInput, MirthSendOutcome } from '../mirth/send-to-mirth';
import type { WebhookActivities } from '../webhook/dispatch-webhook';
import { createLog } from './create-log';
import { deliverToMirth, deliverWebhook } from './deliver';
import { resolveDeliveries } from './resolve-deliveries';
import { decideLogFields } from './status-rules';
import { deliveriesTotal, dispatchSeconds, retriesTotal } from '../../src/metrics';

function retryRecord(logId: string, retry: RetryRequest, fields: Partial<LogFinalFields>): RetryLogDocument {
  return {
    _id: retry.retryId,
    log_id: logId,
    retry_id: retry.retryId,
    kind: retry.kind,
    requested_by: retry.requestedBy,
    requested_at: new Date(retry.requestedAt),
    finished_at: new Date(),
    status: fields.status ?? 'QUEUED',
    response_status_code: fields.response_status_code ?? null,
    error_message: fields.error_message ?? null,
    response_time: fields.response_time ?? null,
  };
}

export interface DeliveryActivityDeps {
  config: Config;
  db: ConfigDb;
  logs: DeliveryLogs;
  contextProvider: ContextProvider;
  webhook: WebhookActivities;
  mirth: { sendToMirth(input: MirthSendInput): Promise<MirthSendOutcome> };
  /** Tells open dashboards a log changed; passive (never fails the caller). */
  publishLogChange: PublishLogChange;
}

export function createDeliveryActivities(deps: DeliveryActivityDeps) {
  const deliverDeps = { ...deps, maxBodyBytes: deps.config.delivery.maxBodyBytes };
  return {
    resolveDeliveries: (event: BusinessEvent) => resolveDeliveries(deps.db, deps.config, event),

    async createLog(input: DeliveryInput): Promise<{ created: boolean }> {
      const { workflowExecution } = Context.current().info;
      if (!workflowExecution) throw new Error('createLog runs only inside a workflow, which names the log\'s execution');
      const result = await createLog(deps.logs, input, workflowExecution);
      if (result.created) await deps.publishLogChange({ logId: input.target.logId, status: 'QUEUED', labId: input.event.labId });
      return result;
    },

    deliverWebhook: (input: DeliveryInput) => deliverWebhook(deliverDeps, input),
    deliverToMirth: (input: DeliveryInput) => deliverToMirth(deliverDeps, input),

    /**
     * Applies the status rules and writes the outcome; retried until the log store takes it.
     * For a retry it also counts it and writes its integration_retry_logs record.
     */
    async finalizeLog(input: DeliveryInput, outcome: DeliveryOutcome, retry?: RetryRequest): Promise<LogStatus> {
      const fields = decideLogFields(outcome, input.target.integrationType, input.target.origin);
      const lastAttempt = outcome.kind === 'http' ? outcome.attempt : undefined;
      if (retry) await deps.logs.finalizeRetry(input.target.logId, fields, retryRecord(input.target.logId, retry, fields), lastAttempt);
      else await deps.logs.finalize(input.target.logId, fields, lastAttempt);
      const status = fields.status ?? 'QUEUED';
      recordOutcome(input.target.integrationType, status, outcome, retry);
      await deps.publishLogChange({ logId: input.target.logId, status, retryId: retry?.retryId, labId: input.event.labId });
      return status;
    },
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;

function recordOutcome(integrationType: string, status: LogStatus, outcome: DeliveryOutcome, retry?: RetryRequest): void {
  deliveriesTotal.inc({ status, integration_type: integrationType, retry: retry ? 'yes' : 'no' });
  if (retry) retriesTotal.inc({ kind: retry.kind, status });
  if (outcome.kind === 'http' || outcome.kind === 'mirth') dispatchSeconds.observe({ integration_type: integrationType }, outcome.responseTimeMs / 1000);
}
