import { allHandlersFinished, condition, getExternalWorkflowHandle, log, patched, proxyActivities, proxyLocalActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { DeliveryActivities, DispatchGate } from '../activities/delivery';
import { endpointDoneSignal, endpointFlowWorkflowId, endpointGrantSignal, type EndpointDone, type EndpointGrant } from './endpoint-definitions';
import { patches } from './patches';
import { eventDeliveriesQuery, retryLogUpdate, vendorCallbackSignal } from './definitions';
import { dispatchRetryPolicy, dispatchTimeoutMs, failureMessage } from './dispatch-policy';
import { deliveryDetails } from './current-details';
import { formatDuration } from './durations';
import { callbackOutcomeWrite, dispatchOutcomeWrite, logWrites } from './log-writes';
import { steps } from './step-names';
import type { BusinessEvent, DeliveryInput, DeliveryOutcome, DeliveryState, DispatchReport, EventRun, LogStatus, RetryRequest, VendorCallback } from './types';

/** One log of the event, as the workflow tracks it. */
interface Delivery {
  input: DeliveryInput;
  /** Sent by a local activity: the target's queue is the event workflow's own (prepareDeliveries said so). */
  local: boolean;
  state: DeliveryState;
  /** A dispatch (or the callback wait after it) is running: no retry may start beside it. */
  dispatching: boolean;
  callback?: VendorCallback;
  /** It is in its endpoint's queue, or about to be (a held send): a grant is for it. */
  inQueue?: boolean;
  /** Its first send is under way (deliverInTurn): a held send's grant may come before the send's result. */
  inTurn?: boolean;
  /** Its endpoint's flow workflow has let it through (workflows/endpoint-flow.ts). */
  grant?: { probe?: boolean };
}

/**
 * Sends one delivery and records its outcome in one activity: a local activity when the delivery
 * belongs on this workflow's task queue (no task-queue round trip; the SDK keeps the workflow task
 * alive while it runs and turns a long backoff into a timer), an ordinary activity on the
 * target's own queue otherwise (SPEC §5: crelio-app deliveries run on their own workers), and for
 * a retry of a log this run did not prepare. Every failure becomes an outcome, never a thrown error.
 */
async function dispatch(delivery: Delivery, retry?: RetryRequest, gate?: DispatchGate): Promise<DispatchReport> {
  const { local } = delivery;
  // A probe is one attempt (the activity tells its last attempt from these settings too): a paused endpoint is not retried at.
  const input = gate?.probe ? { ...delivery.input, settings: { ...delivery.input.settings, webhookMaxAttempts: 1 } } : delivery.input;
  const options = { startToCloseTimeout: dispatchTimeoutMs(input), retry: dispatchRetryPolicy(input.settings) };
  const activities =
    local
      ? proxyLocalActivities<DeliveryActivities>(options)
      : proxyActivities<DeliveryActivities>({ ...options, taskQueue: input.target.taskQueue });
  const args: Parameters<DeliveryActivities['sendAndRecordWebhook']> = gate ? [input, retry, gate] : [input, retry];
  try {
    return input.target.integrationType === 'mirth'
      ? await activities.sendAndRecordHl7.executeWithOptions({ summary: steps.sendAndRecordHl7 }, args)
      : await activities.sendAndRecordWebhook.executeWithOptions({ summary: steps.sendAndRecordWebhook }, args);
  } catch (error) {
    return { recorded: false, outcome: { kind: 'error', errorMessage: failureMessage(error) } };
  }
}

/** Tells an endpoint's flow workflow that a turn is over; an endpoint whose workflow has closed has nothing to free. */
function tellFlow(endpoint: string | null | undefined, done: EndpointDone): Promise<void> {
  if (!endpoint) return Promise.resolve();
  return getExternalWorkflowHandle(endpointFlowWorkflowId(endpoint))
    .signal(endpointDoneSignal, done)
    .catch(() => undefined);
}

const awaitsCallback = (report: DispatchReport) =>
  report.recorded ? report.awaitingCallback === true : report.outcome.kind === 'http' && report.outcome.awaitingCallback === true;

const callbackTimeoutOf = (report: DispatchReport) => (report.recorded ? report.callbackTimeoutMs : report.outcome.kind === 'http' ? report.outcome.callbackTimeoutMs : undefined);

/**
 * The deliveries of one business event, in its own workflow (`event-<labId>-<eventId>`): pre-create
 * every log as QUEUED (one local activity), then send each and record its outcome (one activity
 * each), wait for async vendors, and close. A retry of any of its logs is an update addressed to
 * this workflow id: taken here while the run is open (one dispatch per log at a time), or — once
 * it has closed — by a new run that update-with-start opens, which sends that retry and closes.
 */
export async function deliverEvent(event: BusinessEvent, run: EventRun): Promise<{ logIds: string[] }> {
  const deliveries = new Map<string, Delivery>();
  // Until the logs exist, a retry could not tell a first dispatch from its own: it waits.
  let preparing = run.retriesOnly !== true;

  const describe = () =>
    setCurrentDetails(
      [
        `event ${event.eventId} of lab ${event.labId}${preparing ? ' · pre-creating the logs' : ''}`,
        ...[...deliveries.values()].map(({ state }) => deliveryDetails(state)),
      ].join('\n'),
    );
  const update = (delivery: Delivery, change: Partial<Pick<DeliveryState, 'phase' | 'status' | 'retries'>>) => {
    Object.assign(delivery.state, change);
    describe();
  };
  /**
   * Grants that came before their delivery was tracked: a join sent by prepareDeliveries can be let
   * through before that step's result is in this workflow (a task retried after a worker died).
   */
  const earlyGrants = new Map<string, EndpointGrant>();
  const track = (input: DeliveryInput, status: LogStatus, dispatching: boolean, local: boolean): Delivery => {
    const delivery: Delivery = { input, local, state: { logId: input.target.logId, phase: 'dispatching', status, retries: 0 }, dispatching };
    deliveries.set(input.target.logId, delivery);
    const early = earlyGrants.get(input.target.logId);
    if (early) {
      earlyGrants.delete(input.target.logId);
      delivery.grant = { ...(early.probe ? { probe: true } : {}) };
    }
    return delivery;
  };
  /** A grant no turn of this workflow is for goes back at once, so its endpoint's slot is free. */
  const handBack = (grant: EndpointGrant) => tellFlow(grant.endpoint, { logId: grant.logId, status: 'QUEUED', returned: true });

  setHandler(eventDeliveriesQuery, () => [...deliveries.values()].map(({ state }) => ({ ...state })));
  setHandler(endpointGrantSignal, (grant) => {
    const delivery = deliveries.get(grant.logId);
    if (!delivery) {
      // Its delivery may not be tracked yet: kept until the logs are prepared.
      if (preparing) earlyGrants.set(grant.logId, grant);
      else void handBack(grant);
      return;
    }
    // Kept while it waits, or while its first send runs that may come back held (the grant can arrive first).
    if (delivery.inQueue || (delivery.inTurn && delivery.dispatching)) delivery.grant = { ...(grant.probe ? { probe: true } : {}) };
    else void handBack(grant);
  });
  setHandler(vendorCallbackSignal, (received) => {
    const delivery = received.logId === undefined ? undefined : deliveries.get(received.logId);
    if (delivery?.dispatching) delivery.callback ??= received;
  });

  /**
   * Send, record, and for an async vendor wait for its callback; `retry` marks a retry's record.
   * True when the send was held (its endpoint is paused, or its probe failed): the log waits again.
   */
  async function deliverOnce(delivery: Delivery, retry?: RetryRequest, gate?: DispatchGate): Promise<boolean> {
    delivery.dispatching = true;
    delivery.callback = undefined;
    try {
      update(delivery, { phase: 'dispatching' });
      const report = await dispatch(delivery, retry, gate);
      if (report.recorded && report.held) {
        update(delivery, { status: report.status });
        return true;
      }
      const awaiting = awaitsCallback(report);
      if (report.recorded) update(delivery, { status: report.status });
      else {
        update(delivery, { phase: 'finalizing' });
        update(delivery, { status: await logWrites.finalizeLog(dispatchOutcomeWrite, delivery.input, report.outcome, awaiting ? undefined : retry) });
      }
      if (awaiting && delivery.state.status === 'QUEUED') {
        update(delivery, { phase: 'awaiting-callback' });
        const timeoutMs = callbackTimeoutOf(report) ?? delivery.input.settings.asyncCallbackTimeoutMs;
        await condition(() => delivery.callback !== undefined, timeoutMs, { summary: steps.awaitCallback });
        const received = delivery.callback as VendorCallback | undefined;
        const final: DeliveryOutcome = received
          ? { kind: 'vendor-callback', status: received.status, message: received.message, body: received.body, receivedAt: received.receivedAt }
          : { kind: 'error', errorMessage: `Callback not received within ${formatDuration(timeoutMs)}` };
        update(delivery, { phase: 'finalizing' });
        update(delivery, { status: await logWrites.finalizeLog(callbackOutcomeWrite, delivery.input, final, retry) });
      }
      return false;
    } finally {
      delivery.dispatching = false;
      update(delivery, { phase: 'done' });
    }
  }

  /** Tells the delivery's endpoint that the send it let through is done (or held again), so its slot is free. */
  const tellEndpoint = (delivery: Delivery, held: boolean) =>
    tellFlow(delivery.input.target.endpoint, { logId: delivery.input.target.logId, status: delivery.state.status, ...(held ? { held: true } : {}) });

  /**
   * A first send. A delivery that joined its endpoint's queue (prepareDeliveries: the endpoint is
   * paused, or its integration limits or orders deliveries) waits, durably and without polling,
   * until the endpoint's flow workflow lets it through; so does one whose send was held.
   */
  async function deliverInTurn(delivery: Delivery): Promise<void> {
    delivery.inQueue = delivery.input.target.joined === true;
    delivery.inTurn = true;
    try {
      await takeTurns(delivery);
    } finally {
      delivery.inTurn = false;
    }
  }

  async function takeTurns(delivery: Delivery): Promise<void> {
    for (;;) {
      let gate: DispatchGate | undefined;
      const letThrough = delivery.inQueue === true;
      if (letThrough) {
        update(delivery, { phase: 'waiting-for-endpoint' });
        // Counts as dispatching: a retry now would send beside the turn it waits for.
        delivery.dispatching = true;
        await condition(() => delivery.grant !== undefined);
        gate = delivery.grant?.probe ? { probe: true } : undefined;
        delivery.grant = undefined;
        delivery.inQueue = false;
      }
      const held = await deliverOnce(delivery, undefined, gate);
      // Held: the send's activity (or the done signal below) put it back in the queue.
      delivery.inQueue = held;
      if (letThrough) await tellEndpoint(delivery, held);
      if (held) continue;
      // A grant that came for no turn is handed back.
      if (delivery.grant) {
        delivery.grant = undefined;
        const { endpoint } = delivery.input.target;
        if (endpoint) await handBack({ logId: delivery.input.target.logId, endpoint });
      }
      return;
    }
  }

  setHandler(
    retryLogUpdate,
    async (request, input) => {
      const logId = input.target.logId;
      // A log this run did not prepare goes out as an ordinary activity on its own queue.
      const delivery = deliveries.get(logId) ?? track(input, input.currentStatus ?? 'QUEUED', false, false);
      // The workflow logger is silent on replay: one console line per accepted retry.
      log.info('retry accepted', { logId, retryId: request.retryId, retryKind: request.kind, requestedBy: request.requestedBy });
      await deliverOnce(delivery, request);
      update(delivery, { retries: delivery.state.retries + 1 });
      // A retry that succeeds releases an ordered key its log's failure held (workflows/endpoint-flow.ts).
      if (delivery.state.status === 'SUCCESS' && delivery.input.target.endpoint && patched(patches.endpointFlow)) await tellEndpoint(delivery, false);
      return { retryId: request.retryId, logId, status: delivery.state.status };
    },
    {
      // Runs before the update is accepted: a refusal is answered at once and leaves no trace in history.
      validator: (request: RetryRequest, input: DeliveryInput) => {
        const logId = input.target.logId;
        const delivery = deliveries.get(logId);
        if (delivery?.state.phase === 'waiting-for-endpoint') throw new Error(`Log ${logId} waits for its endpoint's turn (paused, or limited); resume the endpoint on the Endpoints page instead.`);
        if (preparing || delivery?.dispatching) throw new Error(`A dispatch of log ${logId} is already running; retry when it has finished.`);
        if ((delivery?.state.status ?? input.currentStatus) === 'SUCCESS' && !request.force) throw new Error(`Log ${logId} is already SUCCESS; send force to resend it.`);
      },
    },
  );

  describe();
  if (!run.retriesOnly) {
    const { targets, settings, workerQueue } = await logWrites.prepareDeliveries(event);
    // Tracked as dispatching before the first await: no retry slips in before a log's first send.
    const first = targets.map((target) => track({ event, target, settings }, 'QUEUED', true, target.taskQueue === workerQueue));
    preparing = false;
    // Grants for logs this event does not have (none in practice) go back.
    for (const grant of earlyGrants.values()) void handBack(grant);
    earlyGrants.clear();
    await Promise.all(first.map((delivery) => deliverInTurn(delivery)));
  }
  // Open until every send, callback wait and accepted retry has finished; a later retry reopens it.
  await condition(allHandlersFinished);
  return { logIds: [...deliveries.keys()] };
}
