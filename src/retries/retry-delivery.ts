import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, WorkflowUpdateStage, type Client, type WorkflowUpdateHandle } from '@temporalio/client';
import { deliverySettings } from '../../activities/delivery/resolve-deliveries';
import type { Config } from '../config/schema';
import { InputError, NotFoundError } from '../errors';
import type { EntityType } from '../events/business-event';
import type { DeliveryLogs } from '../logstore/delivery-logs';
import type { LogDocument } from '../logstore/log-document';
import { businessEventWorkflow } from '../../workflows/business-event';
import { deliverySearchAttributes, deliveryWorkflowId, eventSearchAttributes, isEventWorkflowId, retryDeliveryUpdate, retryLogUpdate } from '../../workflows/definitions';
import { deliveryWorkflow } from '../../workflows/delivery';
import type { DeliveryInput, EventRun, RetryKind, RetryRequest, RetryResult } from '../../workflows/types';

/** A retry the delivery refused: one is already running, or the log is SUCCESS and force was not sent. */
export class RetryRejectedError extends Error {
  override name = 'RetryRejectedError';
}

export interface RetryDeps {
  temporal: Client;
  logs: DeliveryLogs;
  config: Config;
}

export interface RetryOptions {
  kind: RetryKind;
  requestedBy: string;
  force?: boolean;
  /** Wait for the retry's outcome instead of returning once it is accepted. */
  wait?: boolean;
  /** Idempotency key; a repeat with the same id is the same retry (default: a new one). */
  retryId?: string;
  /** Called once the workflow has accepted the retry, before its outcome is awaited (the audit row). */
  onAccepted?: (retryId: string) => Promise<void>;
}

export type RetryAnswer = { accepted: true; retryId: string; logId: string; result?: RetryResult };

/**
 * The delivery's input rebuilt from its log: only references (SPEC §4 retry_context). The retry
 * itself reads the integration and the entity fresh, so it sends today's data.
 */
export function deliveryInputFromLog(log: LogDocument, config: Config): DeliveryInput {
  const context = log.retry_context;
  if (!context || !log.event_id || context.lab_integration_id === null || context.auth_id === null || !log.integration_type || !log.origin) {
    throw new InputError('id', `log ${log._id} has no retry context; only delivery logs can be retried`);
  }
  return {
    event: {
      eventId: log.event_id,
      labId: context.lab_id,
      ...(context.org_id === null ? {} : { orgId: context.org_id }),
      actionCategoryId: context.action_category_id,
      entity: { type: context.entity_type as EntityType, id: context.entity_id },
      activityDate: (log.activity_date ?? log.inserted_at).toISOString(),
    },
    target: {
      logId: log._id,
      authId: context.auth_id,
      labIntegrationId: context.lab_integration_id,
      developerId: log.developer_id ?? 0,
      developerName: log.developer_name ?? '',
      actionCategoryId: context.action_category_id,
      operation: log.operation,
      origin: log.origin,
      integrationType: log.integration_type as DeliveryInput['target']['integrationType'],
      payloadType: null,
      // Its endpoint's flow workflow hears when the retry succeeds (an ordered key may wait for it).
      ...(log.endpoint ? { endpoint: log.endpoint } : {}),
      // SPEC §5 routing: a retry runs on its origin's task queue (crelio-app → its own workers).
      taskQueue: log.origin === 'crelio-app' ? config.temporal.crelioTaskQueue : config.temporal.taskQueue,
    },
    settings: deliverySettings(config),
    mode: 'retries-only',
    currentStatus: log.status,
  };
}

/**
 * Sends the retry as an update to the workflow that owns the log (`log.workflow_id`): its event's
 * workflow, or `delivery-<logId>` for a log made before deliveries ran there. Update-with-start
 * covers both cases in one call: an open workflow takes the update; a closed one is reopened as a
 * new run with the same id, which sends the retry and closes. Refusals come back at once as
 * RetryRejectedError.
 */
export async function retryDelivery(deps: RetryDeps, logId: string, options: RetryOptions): Promise<RetryAnswer> {
  const log = await deps.logs.get(logId);
  if (!log) throw new NotFoundError('id', `log ${logId} does not exist`);
  if (log.type !== 'WEBHOOK') throw new InputError('id', `log ${logId} is an inbound API log; only deliveries can be retried`);
  if (log.test) throw new RetryRejectedError(`Log ${logId} is a test delivery; it is not retried. Send a new test from Manage Integrations.`);
  const input = deliveryInputFromLog(log, deps.config);
  const request: RetryRequest = {
    retryId: options.retryId ?? randomUUID(),
    kind: options.kind,
    requestedBy: options.requestedBy,
    requestedAt: new Date().toISOString(),
    force: options.force,
  };
  const owner = log.workflow_id && isEventWorkflowId(log.workflow_id) ? log.workflow_id : undefined;
  try {
    const handle = await withStartAttempts(() =>
      deps.temporal.connection.withDeadline(Date.now() + deps.config.temporal.updateTimeoutMs, () =>
        owner ? startEventRetry(deps.temporal, owner, request, input) : startDeliveryRetry(deps.temporal, request, input),
      ),
    );
    // A refusal settles at once; past that the retry is accepted, whatever its outcome will be.
    const early = await refusedAtOnce(deps.temporal, () => handle.result());
    await options.onAccepted?.(request.retryId);
    const result = options.wait && early === undefined ? await handle.result() : early;
    return { accepted: true, retryId: request.retryId, logId, result };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw new RetryRejectedError(error.cause?.message ?? error.message);
    throw error;
  }
}

/** A retry of a log its event workflow owns: that workflow, or a new run of it that closes after the retry. */
function startEventRetry(temporal: Client, workflowId: string, request: RetryRequest, input: DeliveryInput): Promise<WorkflowUpdateHandle<RetryResult>> {
  const run: EventRun = { retriesOnly: true };
  return temporal.workflow.startUpdateWithStart(retryLogUpdate, {
    args: [request, input],
    updateId: request.retryId,
    waitForStage: WorkflowUpdateStage.ACCEPTED,
    startWorkflowOperation: new WithStartWorkflowOperation(businessEventWorkflow, {
      workflowId,
      taskQueue: input.target.taskQueue,
      args: [input.event, run],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // A repeat of the event compares itself with the latest run's memo (src/client/emitter.ts).
      memo: { event: input.event },
      typedSearchAttributes: eventSearchAttributes(input.event),
    }),
  });
}

/** A retry of a log made before deliveries ran in the event workflow: its own `delivery-<logId>`. */
function startDeliveryRetry(temporal: Client, request: RetryRequest, input: DeliveryInput): Promise<WorkflowUpdateHandle<RetryResult>> {
  return temporal.workflow.startUpdateWithStart(retryDeliveryUpdate, {
    args: [request],
    updateId: request.retryId,
    waitForStage: WorkflowUpdateStage.ACCEPTED,
    startWorkflowOperation: new WithStartWorkflowOperation(deliveryWorkflow, {
      workflowId: deliveryWorkflowId(input.target.logId),
      taskQueue: input.target.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: deliverySearchAttributes(input.event, input.target),
    }),
  });
}

/**
 * An event workflow closes as soon as its last send has finished. An update that reaches it in
 * that instant finds it closed: asked again, update-with-start opens a new run for it.
 */
async function withStartAttempts<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !closedMeanwhile(error)) throw error;
    }
  }
}

function closedMeanwhile(error: unknown): boolean {
  const text = `${(error as Error | undefined)?.message ?? ''} ${(error as { cause?: Error } | undefined)?.cause?.message ?? ''}`;
  return /workflow execution already completed|workflow (?:execution )?(?:has )?(?:already )?(?:closed|completed)/i.test(text);
}

/**
 * The SDK reports a validator's refusal only through the update handle's result. A refusal is
 * already in the start response, so the result settles at once with no server call; an accepted
 * retry would start polling, which is cut short here (the caller follows it on /api/stream).
 */
async function refusedAtOnce(temporal: Client, result: () => Promise<RetryResult>): Promise<RetryResult | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 100);
  try {
    return await temporal.connection.withAbortSignal(controller.signal, result);
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw error;
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
