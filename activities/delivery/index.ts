import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Context, log } from '@temporalio/activity';
import type { Config } from '../../src/config/schema';
import type { ContextProvider } from '../../src/context/context-provider';
import type { ConfigDb } from '../../src/db/config-store';
import type { DeliveryLogs } from '../../src/logstore/delivery-logs';
import type { LogFinalFields } from '../../src/logstore/delivery-logs';
import type { RetryLogDocument } from '../../src/logstore/log-document';
import { isStoredDispatch, type BusinessEvent, type DeliveryInput, type DeliveryOutcome, type DispatchReport, type DispatchResult, type LogStatus, type RetryRequest, type StoredDispatch } from '../../workflows/types';
import type { MirthSendInput, MirthSendOutcome } from '../mirth/send-to-mirth';
import type { WebhookActivities } from '../webhook/dispatch-webhook';
import { reportingRetriedAttempts, reportOutcome } from './console';
import { createLog, type ExecutionRef } from './create-log';
import { deliverToMirth, deliverWebhook } from './deliver';
import { resolveDeliveries, type ResolvedDeliveries } from './resolve-deliveries';
import { decideLogFields } from './status-rules';
import { deliveriesTotal, dispatchSeconds, retriesTotal } from '../../src/metrics';
import { settlesWithin } from '../../src/settles-within';
import { breakerThresholds, breakerVerdict } from '../../src/endpoints/breaker';
import { controlEndpointFlow, joinEndpointFlow } from '../../src/endpoints/endpoint-flow-client';
import { labsDeliveringTo, pausedEndpoints, pausedWaitingReason } from '../../src/endpoints/endpoint-states';
import type { FlowControl } from './resolve-deliveries';

/**
 * The deliveries of an event, their logs created, and the task queue of the worker that ran this
 * step (the event workflow's own): a target on that queue is sent by a local activity. Decided
 * here, inside a recorded step, so a replay (which runs on a queue of its own) decides the same.
 */
export type PreparedDeliveries = ResolvedDeliveries & { workerQueue: string };

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

/** What of an outcome history keeps: codes, timing and the callback wait, never a body or a URL. */
function summaryOf(outcome: DeliveryOutcome & { kind: 'http' | 'mirth' }, storedAs: string): StoredDispatch {
  if (outcome.kind === 'http') {
    return {
      kind: 'http',
      storedAs,
      ...(outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}),
      responseTimeMs: outcome.responseTimeMs,
      ...(outcome.awaitingCallback ? { awaitingCallback: true } : {}),
      ...(outcome.callbackTimeoutMs !== undefined ? { callbackTimeoutMs: outcome.callbackTimeoutMs } : {}),
    };
  }
  return {
    kind: 'mirth',
    storedAs,
    status: outcome.status,
    sentToMirth: outcome.sentToMirth,
    ...(outcome.ackCode !== undefined ? { ackCode: outcome.ackCode } : {}),
    responseTimeMs: outcome.responseTimeMs,
  };
}

export interface DeliveryActivityDeps {
  temporal: Client;
  config: Config;
  db: ConfigDb;
  logs: DeliveryLogs;
  contextProvider: ContextProvider;
  webhook: WebhookActivities;
  mirth: { sendToMirth(input: MirthSendInput): Promise<MirthSendOutcome> };
}

export function createDeliveryActivities(deps: DeliveryActivityDeps) {
  const deliverDeps = { ...deps, maxBodyBytes: deps.config.delivery.maxBodyBytes };
  /**
   * The sent request and the partner's answer go to the log store here, once the send is done;
   * the workflow gets their id. If the store is down, the full outcome goes back instead
   * (encrypted in history): the partner has it already, and a retried activity would send again.
   */
  async function keepBodiesInStore(input: DeliveryInput, outcome: DeliveryOutcome): Promise<DispatchResult> {
    if (outcome.kind !== 'http' && outcome.kind !== 'mirth') return outcome;
    const storedAs = randomUUID();
    try {
      await deps.logs.storeDispatch(storedAs, input.target.logId, outcome);
    } catch (error) {
      log.warn('could not keep a dispatch outcome in the log store; it goes through history instead', { logId: input.target.logId, error: String(error) });
      return outcome;
    }
    return summaryOf(outcome, storedAs);
  }

  /**
   * Applies the status rules and writes the outcome (for a retry also its counter and its
   * integration_retry_logs record; the log's write tells open dashboards), then tells the console and the metrics.
   */
  async function writeOutcome(input: DeliveryInput, outcome: DeliveryOutcome, retry?: RetryRequest, dispatchId?: string): Promise<LogStatus> {
    const { logId } = input.target;
    const fields = decideLogFields(outcome, input.target.integrationType, input.target.origin);
    const lastAttempt = outcome.kind === 'http' || outcome.kind === 'mirth' ? outcome.attempt : undefined;
    if (retry) await deps.logs.finalizeRetry(logId, fields, retryRecord(logId, retry, fields), lastAttempt, dispatchId);
    else await deps.logs.finalize(logId, fields, lastAttempt, dispatchId);
    const status = fields.status ?? 'QUEUED';
    recordOutcome(input.target.integrationType, status, outcome, retry);
    reportOutcome(input, status, outcome, retry);
    if (status === 'FAIL' && !retry) await tripBreakerIfDue(input);
    return status;
  }

  /**
   * After a delivery's final failure: does its endpoint cross the breaker's thresholds? Then its
   * flow workflow is told to pause it (it ignores the news if already paused). Tests, retries and
   * probes never count. A breaker that cannot be read leaves the delivery's outcome alone.
   */
  async function tripBreakerIfDue(input: DeliveryInput): Promise<void> {
    const { endpoint, test, breaker } = input.target;
    if (!endpoint || test) return;
    try {
      const reason = await breakerVerdict(deps.db, endpoint, breakerThresholds(deps.config, breaker));
      if (reason) {
        const labIds = await labsDeliveringTo(deps.db, endpoint);
        await controlEndpointFlow(deps.temporal, deps.config, endpoint, { action: 'pause', by: 'breaker', reason: `after ${reason}`, breaker: true, labIds: [...new Set([input.event.labId, ...labIds])] });
      }
    } catch (error) {
      log.warn('could not check the endpoint breaker', { logId: input.target.logId, endpoint, error: String(error) });
    }
  }

  /**
   * A retried attempt (not a retry, not a probe) whose endpoint was paused meanwhile is not sent:
   * the log waits, with the pause as its reason, in the endpoint's queue, and the workflow waits for its turn.
   */
  async function holdIfPaused(input: DeliveryInput, retry: RetryRequest | undefined, gate: DispatchGate | undefined): Promise<DispatchReport | undefined> {
    const { endpoint, test, logId } = input.target;
    if (retry || gate?.probe || test || !endpoint || Context.current().info.attempt <= 1) return undefined;
    const paused = (await pausedEndpoints(deps.db, [endpoint])).get(endpoint);
    if (!paused) return undefined;
    await deps.logs.markWaiting([logId], pausedWaitingReason(paused));
    await joinEndpointFlow(deps.temporal, deps.config, endpoint, { workflowId: currentExecution().workflowId, logId, labId: input.event.labId, order: input.event.activityDate });
    return { recorded: true, status: 'QUEUED', held: true };
  }

  /**
   * One send, and its outcome written to the log at once: no working copy in the store, no second
   * activity. An async vendor's accepted submit is written as QUEUED (its retry record waits for
   * the callback). If the store does not take the write, the outcome goes back to the workflow,
   * which writes it once the store is back: a send is never repeated to record it. A write that
   * hangs counts as not taken after RECORD_WITHIN_MS, well inside the activity's timeout (past it
   * Temporal would run the activity, and so the send, again); should it land after all, the
   * workflow's write repeats it (the same fields; attempts and retry counters are kept once).
   */
  async function sendAndRecord(input: DeliveryInput, retry: RetryRequest | undefined, gate: DispatchGate | undefined, send: () => Promise<DeliveryOutcome>): Promise<DispatchReport> {
    const held = await holdIfPaused(input, retry, gate);
    if (held) return held;
    const outcome = await send();
    const awaiting = outcome.kind === 'http' && outcome.awaitingCallback === true;
    try {
      if (gate?.probe && !awaiting) {
        const probe = await settlesWithin(RECORD_WITHIN_MS, writeProbeOutcome(input, outcome), 'the log store did not answer');
        if (probe) return probe;
      }
      const status = await settlesWithin(RECORD_WITHIN_MS, writeOutcome(input, outcome, awaiting ? undefined : retry), 'the log store did not answer');
      if (!awaiting) return { recorded: true, status };
      const timeout = outcome.kind === 'http' ? outcome.callbackTimeoutMs : undefined;
      return { recorded: true, status, awaitingCallback: true, ...(timeout !== undefined ? { callbackTimeoutMs: timeout } : {}) };
    } catch (error) {
      log.warn('could not record a dispatch outcome in the log store; the workflow writes it when the store is back', { logId: input.target.logId, error: String(error) });
      return { recorded: false, outcome };
    }
  }

  /**
   * A probe of a paused endpoint that did not succeed leaves its log waiting (QUEUED, the probe's
   * failure as its reason, the attempt recorded) instead of failing it: the delivery is kept for
   * when the endpoint is back. Anything else is written as usual (undefined).
   */
  async function writeProbeOutcome(input: DeliveryInput, outcome: DeliveryOutcome): Promise<DispatchReport | undefined> {
    const fields = decideLogFields(outcome, input.target.integrationType, input.target.origin);
    if (fields.status !== 'FAIL') return undefined;
    const lastAttempt = outcome.kind === 'http' || outcome.kind === 'mirth' ? outcome.attempt : undefined;
    const why = fields.error_message ?? (outcome.kind === 'http' && outcome.statusCode !== undefined ? `HTTP ${outcome.statusCode}` : 'no answer');
    await deps.logs.finalize(input.target.logId, { ...fields, status: 'QUEUED', error_message: `Waiting: endpoint paused; the probe at ${new Date().toISOString()} failed (${why})` }, lastAttempt);
    reportOutcome(input, 'QUEUED', outcome);
    return { recorded: true, status: 'QUEUED', held: true };
  }

  /**
   * The deliveries of a prepared event that must wait for their endpoint's turn join its queue:
   * the endpoint is paused, or their integration limits or orders its deliveries. Marked `joined`.
   */
  async function joinWhereNeeded(event: BusinessEvent, resolved: ResolvedDeliveries, execution: ExecutionRef): Promise<{ waiting: Map<string, string>; joins: Array<() => Promise<unknown>> }> {
    const waiting = new Map<string, string>();
    const endpoints = [...new Set(resolved.targets.flatMap((t) => (t.endpoint && !t.test ? [t.endpoint] : [])))];
    const paused = await pausedEndpoints(deps.db, endpoints);
    const joins: Array<() => Promise<unknown>> = [];
    for (const target of resolved.targets) {
      const flow = resolved.flows?.[target.logId];
      const pause = target.endpoint ? paused.get(target.endpoint) : undefined;
      if (!target.endpoint || target.test || (!pause && !flow)) continue;
      target.joined = true;
      if (pause) waiting.set(target.logId, pausedWaitingReason(pause));
      const orderKey = flow?.orderBy ? await orderKeyOf(flow.orderBy, event) : undefined;
      const endpoint = target.endpoint;
      joins.push(() =>
        joinEndpointFlow(deps.temporal, deps.config, endpoint, {
          workflowId: execution.workflowId,
          logId: target.logId,
          labId: event.labId,
          order: event.activityDate,
          // Every join of an integration with flow control carries its limits, none included, so a limit taken off is lifted.
          ...(flow ? { limits: { ...(flow.maxInFlight !== undefined ? { maxInFlight: flow.maxInFlight } : {}), ...(flow.ratePerSecond !== undefined ? { ratePerSecond: flow.ratePerSecond } : {}) } } : {}),
          ...(orderKey !== undefined ? { orderKey } : {}),
        }),
      );
    }
    return { waiting, joins };
  }

  /** The key an ordered integration's deliveries keep their order by: the event's patient, or the entity itself. */
  async function orderKeyOf(orderBy: NonNullable<FlowControl['orderBy']>, event: BusinessEvent): Promise<string> {
    if (orderBy === 'entity') return `${event.entity.type}:${event.entity.id}`;
    if (event.entity.type === 'patient') return `patient:${event.entity.id}`;
    const entity = await deps.contextProvider.loadEntity(event.labId, event.entity).catch(() => undefined);
    const patientId = entity?.type === 'bill' ? entity.bill.patient.id : entity?.type === 'report' ? entity.report.patient.id : undefined;
    return patientId === undefined ? `${event.entity.type}:${event.entity.id}` : `patient:${patientId}`;
  }

  return {
    resolveDeliveries: (event: BusinessEvent) => resolveDeliveries(deps.db, deps.config, event),

    createLog: (input: DeliveryInput): Promise<{ created: boolean }> => createLog(deps.logs, input, currentExecution()),

    deliverWebhook: async (input: DeliveryInput): Promise<DispatchResult> =>
      keepBodiesInStore(input, await reportingRetriedAttempts(input, () => deliverWebhook(deliverDeps, input))),
    deliverToMirth: async (input: DeliveryInput): Promise<DispatchResult> => keepBodiesInStore(input, await deliverToMirth(deliverDeps, input)),

    /**
     * Applies the status rules and writes the outcome; retried until the log store takes it.
     * For a retry it also counts it and writes its integration_retry_logs record.
     */
    async finalizeLog(input: DeliveryInput, result: DispatchResult, retry?: RetryRequest): Promise<LogStatus> {
      const { logId } = input.target;
      const dispatchId = isStoredDispatch(result) ? result.storedAs : undefined;
      const loaded = dispatchId ? await deps.logs.loadDispatch(dispatchId, logId) : { outcome: result as DeliveryOutcome };
      // Run again after its first run wrote the log and dropped the working copy: already done.
      if ('applied' in loaded) return loaded.applied;
      const status = await writeOutcome(input, loaded.outcome, retry, dispatchId);
      // The log holds the bodies now; the working copy goes, so they are kept once (and the retention reaches them).
      if (dispatchId) await deps.logs.dropDispatch(dispatchId);
      return status;
    },

    /**
     * The event workflow's first step: the integrations active now, and each one's log pre-created
     * as QUEUED before anything is sent. Idempotent: a repeated run finds its logs already there.
     */
    async prepareDeliveries(event: BusinessEvent): Promise<PreparedDeliveries> {
      const execution = currentExecution();
      const resolved = await resolveDeliveries(deps.db, deps.config, event);
      const { waiting, joins } = await joinWhereNeeded(event, resolved, execution);
      await Promise.all(resolved.targets.map((target) => createLog(deps.logs, { event, target, settings: resolved.settings }, execution, waiting.get(target.logId))));
      // Joined once their logs exist: a delivery let through at once finds its log.
      await Promise.all(joins.map((join) => join()));
      const { flows: _flows, ...prepared } = resolved;
      return { ...prepared, workerQueue: Context.current().info.taskQueue };
    },

    sendAndRecordWebhook: (input: DeliveryInput, retry?: RetryRequest, gate?: DispatchGate): Promise<DispatchReport> =>
      sendAndRecord(input, retry, gate, () => reportingRetriedAttempts(input, () => deliverWebhook(deliverDeps, input))),
    sendAndRecordHl7: (input: DeliveryInput, retry?: RetryRequest, gate?: DispatchGate): Promise<DispatchReport> =>
      sendAndRecord(input, retry, gate, () => deliverToMirth(deliverDeps, input)),
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;

/** How the endpoint's flow workflow let a delivery through: `probe` marks the one send that tests a paused endpoint. */
export interface DispatchGate {
  probe?: true;
}

/** How long a send waits for the log store to take its outcome before handing it to the workflow. */
const RECORD_WITHIN_MS = 5_000;

/** The workflow run an activity serves: it names the log's execution (`workflow_id`, `run_id`). */
function currentExecution(): ExecutionRef {
  const { workflowExecution } = Context.current().info;
  if (!workflowExecution) throw new Error('a log is created only inside a workflow, which names the log\'s execution');
  return workflowExecution;
}

function recordOutcome(integrationType: string, status: LogStatus, outcome: DeliveryOutcome, retry?: RetryRequest): void {
  deliveriesTotal.inc({ status, integration_type: integrationType, retry: retry ? 'yes' : 'no' });
  if (retry) retriesTotal.inc({ kind: retry.kind, status });
  if (outcome.kind === 'http' || outcome.kind === 'mirth') dispatchSeconds.observe({ integration_type: integrationType }, outcome.responseTimeMs / 1000);
}
