import { Context } from '@temporalio/activity';
import type { Config } from '../../src/config/schema';
import type { ContextProvider } from '../../src/context/context-provider';
import type { ConfigDb } from '../../src/db/config-store';
import type { DeliveryLogs } from '../../src/logstore/delivery-logs';
import type { BusinessEvent, DeliveryInput, DeliveryOutcome, LogStatus } from '../../workflows/types';
import type { MirthSendInput, MirthSendOutcome } from '../mirth/send-to-mirth';
import type { WebhookActivities } from '../webhook/dispatch-webhook';
import { createLog } from './create-log';
import { deliverToMirth, deliverWebhook } from './deliver';
import { resolveDeliveries } from './resolve-deliveries';
import { decideLogFields } from './status-rules';

export interface DeliveryActivityDeps {
  config: Config;
  db: ConfigDb;
  logs: DeliveryLogs;
  contextProvider: ContextProvider;
  webhook: WebhookActivities;
  mirth: { sendToMirth(input: MirthSendInput): Promise<MirthSendOutcome> };
}

export function createDeliveryActivities(deps: DeliveryActivityDeps) {
  const deliverDeps = { ...deps, maxBodyBytes: deps.config.delivery.maxBodyBytes };
  return {
    resolveDeliveries: (event: BusinessEvent) => resolveDeliveries(deps.db, deps.config, event),

    async createLog(input: DeliveryInput): Promise<{ created: boolean }> {
      const { workflowExecution } = Context.current().info;
      if (!workflowExecution) throw new Error('createLog runs only inside a workflow, which names the log\'s execution');
      return createLog(deps.logs, input, workflowExecution);
    },

    deliverWebhook: (input: DeliveryInput) => deliverWebhook(deliverDeps, input),
    deliverToMirth: (input: DeliveryInput) => deliverToMirth(deliverDeps, input),

    /** Applies the status rules and writes the outcome; retried until the log store takes it. */
    async finalizeLog(input: DeliveryInput, outcome: DeliveryOutcome): Promise<LogStatus> {
      const fields = decideLogFields(outcome, input.target.integrationType, input.target.origin);
      await deps.logs.finalize(input.target.logId, fields, outcome.kind === 'http' ? outcome.attempt : undefined);
      return fields.status ?? 'QUEUED';
    },
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;
