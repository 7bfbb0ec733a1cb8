import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { DeliveryActivities } from '../activities/delivery';
import { deliveryStateQuery, retryDeliveryUpdate, vendorCallbackSignal } from './definitions';
import { dispatchRetryPolicy, dispatchTimeoutMs, failureMessage } from './dispatch-policy';
import { deliveryDetails } from './current-details';
import { formatDuration } from './durations';
import { callbackOutcomeWrite, dispatchOutcomeWrite, logWrites } from './log-writes';
import { steps } from './step-names';
import type { DeliveryInput, DeliveryOutcome, DeliveryResult, DeliveryState, DispatchResult, RetryRequest, VendorCallback } from './types';

/** Runs exactly one dispatch for the integration's type; every failure becomes an outcome, never a thrown error. */
async function dispatch(input: DeliveryInput): Promise<DispatchResult> {
  const { settings, target } = input;
  const retry = dispatchRetryPolicy(settings);
  try {
    switch (target.integrationType) {
      case 'webhook':
      case 'api':
      case 'async_vendor': {
        const { deliverWebhook } = proxyActivities<DeliveryActivities>({ startToCloseTimeout: dispatchTimeoutMs(input), retry });
        return await deliverWebhook.executeWithOptions({ summary: steps.deliverWebhook }, [input]);
      }
      case 'mirth': {
        const { deliverToMirth } = proxyActivities<DeliveryActivities>({ startToCloseTimeout: dispatchTimeoutMs(input), retry });
        return await deliverToMirth.executeWithOptions({ summary: steps.deliverToMirth }, [input]);
      }
    }
  } catch (error) {
    return { kind: 'error', errorMessage: failureMessage(error) };
  }
}

/**
 * One delivery of one event to one integration, id `delivery-<logId>`:
 * pre-create the log as QUEUED → build from live context and dispatch → finalize. An async
 * vendor's log then stays QUEUED until its callback signal or the durable timeout. The workflow
 * then stays open for the retention window, accepting retries (one dispatch at a time).
 */
export async function deliveryWorkflow(input: DeliveryInput): Promise<DeliveryResult> {
  const { target, settings } = input;
  const state: DeliveryState = { logId: target.logId, phase: 'creating-log', status: input.currentStatus ?? 'QUEUED', retries: 0 };
  /**
   * Every change of phase or status goes through here, so the Web UI's current details (and the
   * `__temporal_workflow_metadata` query) always say where the delivery is. Encrypted like any payload.
   */
  const update = (change: Partial<Pick<DeliveryState, 'phase' | 'status' | 'retries'>>) => {
    Object.assign(state, change);
    setCurrentDetails(deliveryDetails(state));
  };
  update({});
  let callback: VendorCallback | undefined;
  // A new delivery counts as dispatching from the start: no retry may slip in before its first send.
  let dispatching = input.mode !== 'retries-only';
  setHandler(deliveryStateQuery, () => state);
  setHandler(vendorCallbackSignal, (received) => {
    callback ??= received;
  });

  /** Dispatch, finalize, and for an async vendor wait for its callback; `retry` marks a retry's record. */
  async function deliverOnce(retry?: RetryRequest): Promise<void> {
    dispatching = true;
    callback = undefined;
    try {
      update({ phase: 'dispatching' });
      const outcome = await dispatch(input);
      update({ phase: 'finalizing' });
      const awaiting = outcome.kind === 'http' && outcome.awaitingCallback === true;
      update({ status: await logWrites.finalizeLog(dispatchOutcomeWrite, input, outcome, awaiting ? undefined : retry) });
      if (awaiting && state.status === 'QUEUED') {
        update({ phase: 'awaiting-callback' });
        const timeoutMs = outcome.callbackTimeoutMs ?? settings.asyncCallbackTimeoutMs;
        await condition(() => callback !== undefined, timeoutMs, { summary: steps.awaitCallback });
        // Read through a cast: TypeScript cannot see that the signal handler assigned it meanwhile.
        const received = callback as VendorCallback | undefined;
        const final: DeliveryOutcome =
          received
            ? { kind: 'vendor-callback', ...received }
            : { kind: 'error', errorMessage: `Callback not received within ${formatDuration(timeoutMs)}` };
        update({ phase: 'finalizing' });
        update({ status: await logWrites.finalizeLog(callbackOutcomeWrite, input, final, retry) });
      }
    } finally {
      dispatching = false;
      update({ phase: 'accepting-retries' });
    }
  }

  setHandler(
    retryDeliveryUpdate,
    async (request) => {
      // The workflow logger is silent on replay: one console line per accepted retry.
      log.info('retry accepted', { logId: target.logId, retryId: request.retryId, retryKind: request.kind, requestedBy: request.requestedBy });
      await deliverOnce(request);
      update({ retries: state.retries + 1 });
      return { retryId: request.retryId, logId: target.logId, status: state.status };
    },
    {
      // Runs before the update is accepted: a refusal is answered at once and leaves no trace in history.
      validator: (request: RetryRequest) => {
        if (dispatching) throw new Error(`A dispatch of log ${target.logId} is already running; retry when it has finished.`);
        if (state.status === 'SUCCESS' && !request.force) throw new Error(`Log ${target.logId} is already SUCCESS; send force to resend it.`);
      },
    },
  );

  if (input.mode !== 'retries-only') {
    await logWrites.createLog(input);
    await deliverOnce();
  }
  update({ phase: 'accepting-retries' });

  const until = input.acceptRetriesUntil ?? Date.now() + settings.retentionMs;
  await condition(() => workflowInfo().continueAsNewSuggested || Date.now() >= until, Math.max(0, until - Date.now()), { summary: steps.acceptRetries });
  await condition(allHandlersFinished);
  if (Date.now() < until) {
    // A long retry history: carry on in a fresh run with the same id, status and deadline.
    await continueAsNew<typeof deliveryWorkflow>({ ...input, mode: 'retries-only', currentStatus: state.status, acceptRetriesUntil: until });
  }
  update({ phase: 'done' });
  return { logId: target.logId, status: state.status };
}
