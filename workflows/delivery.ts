import { ActivityFailure, ApplicationFailure, condition, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { DeliveryActivities } from '../activities/delivery';
import { deliveryStateQuery, permanentErrorTypes, vendorCallbackSignal } from './definitions';
import { formatDuration } from './durations';
import type { DeliveryInput, DeliveryOutcome, DeliveryResult, DeliveryState, VendorCallback } from './types';

/**
 * Logging is a passive side effect: a log-store outage delays these writes (retried without
 * limit, backing off to 30 s) but never fails the delivery or the business event.
 * They are local activities: short writes that need no task queue round trip, which halves
 * the workflow tasks a delivery costs the Temporal server.
 */
const logWrites = proxyLocalActivities<DeliveryActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  if (error instanceof ApplicationFailure || error instanceof Error) return error.message;
  return String(error);
}

/** Runs exactly one dispatch for the integration's type; every failure becomes an outcome, never a thrown error. */
async function dispatch(input: DeliveryInput): Promise<DeliveryOutcome> {
  const { settings, target } = input;
  const retry = {
    maximumAttempts: settings.webhookMaxAttempts,
    initialInterval: settings.retryBaseDelayMs,
    maximumInterval: settings.retryMaxDelayMs,
    backoffCoefficient: 2,
    nonRetryableErrorTypes: permanentErrorTypes,
  };
  try {
    switch (target.integrationType) {
      case 'webhook':
      case 'api':
      case 'async_vendor': {
        const { deliverWebhook } = proxyActivities<DeliveryActivities>({ startToCloseTimeout: settings.webhookTimeoutMs + 10_000, retry });
        return await deliverWebhook(input);
      }
      case 'mirth': {
        const { deliverToMirth } = proxyActivities<DeliveryActivities>({ startToCloseTimeout: settings.mirthAckTimeoutMs + 10_000, retry });
        return await deliverToMirth(input);
      }
    }
  } catch (error) {
    return { kind: 'error', errorMessage: failureMessage(error) };
  }
}

/**
 * One delivery of one event to one integration, id `delivery-<logId>`:
 * pre-create the log as QUEUED → build from live context and dispatch → finalize.
 * An async vendor's log then stays QUEUED until its callback signal or the durable timeout.
 */
export async function deliveryWorkflow(input: DeliveryInput): Promise<DeliveryResult> {
  const { target, settings } = input;
  const state: DeliveryState = { logId: target.logId, phase: 'creating-log', status: 'QUEUED' };
  let callback: VendorCallback | undefined;
  setHandler(deliveryStateQuery, () => state);
  setHandler(vendorCallbackSignal, (received) => {
    callback ??= received;
  });
  await logWrites.createLog(input);

  state.phase = 'dispatching';
  const outcome = await dispatch(input);
  state.phase = 'finalizing';
  state.status = await logWrites.finalizeLog(input, outcome);

  if (outcome.kind === 'http' && outcome.awaitingCallback && state.status === 'QUEUED') {
    state.phase = 'awaiting-callback';
    const timeoutMs = outcome.callbackTimeoutMs ?? settings.asyncCallbackTimeoutMs;
    const arrived = await condition(() => callback !== undefined, timeoutMs);
    const final: DeliveryOutcome =
      arrived && callback
        ? { kind: 'vendor-callback', ...callback }
        : { kind: 'error', errorMessage: `Callback not received within ${formatDuration(timeoutMs)}` };
    state.phase = 'finalizing';
    state.status = await logWrites.finalizeLog(input, final);
  }
  state.phase = 'done';
  return { logId: target.logId, status: state.status };
}
