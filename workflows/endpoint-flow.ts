import { condition, continueAsNew, getExternalWorkflowHandle, patched, proxyActivities, setCurrentDetails, setHandler, sleep, workflowInfo, allHandlersFinished } from '@temporalio/workflow';
import { patches } from './patches';
import type { EndpointActivities } from '../activities/endpoints';
import {
  endpointControlSignal,
  endpointDoneSignal,
  endpointFlowQuery,
  endpointGrantSignal,
  endpointJoinSignal,
  type EndpointControl,
  type EndpointFlowSettings,
  type EndpointFlowView,
  type EndpointJoin,
  type FlowLimits,
} from './endpoint-definitions';
import { steps } from './step-names';

/** A delivery in the endpoint's queue, or let through and not yet done. */
interface Waiter extends EndpointJoin {
  /** When it joined (workflow time): the queue's order, oldest first. */
  since: number;
  probe?: boolean;
}

interface Pause {
  at: number;
  by: string;
  reason: string;
  /** Paused by the failure threshold: probed, and resumed by the first probe that succeeds. An operator's pause waits for an operator. */
  breaker: boolean;
}

/** Everything the workflow knows, carried whole into a continued run. */
export interface EndpointFlowState {
  paused?: Pause;
  probeIntervalMs: number;
  nextProbeAt?: number;
  waiting: Waiter[];
  inFlight: Waiter[];
  /** Ordered keys held by a failed log: key → its log id. */
  blocked: Record<string, string>;
  limits: FlowLimits;
  /** After a resume, until the queue is empty: let the backlog out at a bounded pace. */
  draining: boolean;
  /** Changes of state so far: one alert each (this workflow's first run id and the sequence are the alert's de-duplication key). */
  changes: number;
  firstRunId?: string;
  labIds: number[];
  /** When the sends of the current rate window were let through (workflow time), for `ratePerSecond`. */
  recentGrants?: number[];
}

export interface EndpointFlowInput {
  endpoint: string;
  settings: EndpointFlowSettings;
  carried?: EndpointFlowState;
}

const { announceEndpointChange, describeWaiting, recoverEndpointFlow } = proxyActivities<EndpointActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Added to each rate window, so that clock and delivery jitter never let one more send into a second. */
const RATE_WINDOW_MARGIN_MS = 50;

/** With nothing waiting, in flight or held, the workflow closes after this long without news. */
const IDLE_CLOSE_MS = 60_000;

/**
 * One per endpoint that needs one (`endpoint-<host:port>`): it is paused, or its integrations limit
 * or order their deliveries. It holds the endpoint's queue: an event workflow whose delivery must
 * wait joins it (endpointJoinSignal, sent with signal-with-start by that workflow's activity) and
 * waits, durably and without polling, until this workflow lets it through (endpointGrantSignal);
 * when its send is done it says so (endpointDoneSignal). While paused by the breaker, one waiting
 * delivery at a time goes as a probe, every probe interval (doubling up to the maximum); the first
 * probe that succeeds resumes the endpoint, and the backlog goes out oldest first, a bounded number
 * at a time. Pauses and resumes are recorded and alerted by activities (activities/endpoints.ts).
 *
 * Workflow code: no I/O, no Node built-ins.
 */
export async function endpointFlowWorkflow(input: EndpointFlowInput): Promise<void> {
  const { endpoint, settings } = input;
  const state: EndpointFlowState = input.carried ?? { probeIntervalMs: settings.probeIntervalMs, waiting: [], inFlight: [], blocked: {}, limits: {}, draining: false, changes: 0, labIds: [] };
  state.firstRunId ??= workflowInfo().runId;
  /** Changes of state still to record and alert, in order. */
  const announcements: Array<{ seq: number; kind: 'paused' | 'resumed'; by: string; reason: string; at: number; waitingLogIds: string[] }> = [];
  /** Waiting logs whose reason changed (an ordered key was blocked). */
  const reasons: Array<{ logIds: string[]; reason: string }> = [];
  let news = false;

  const describe = () =>
    setCurrentDetails(
      [
        `endpoint ${endpoint} · ${state.paused ? `paused since ${new Date(state.paused.at).toISOString()} by ${state.paused.by}: ${state.paused.reason}` : 'open'}`,
        `${state.waiting.length} waiting · ${state.inFlight.length} in flight${Object.keys(state.blocked).length ? ` · ${Object.keys(state.blocked).length} ordered keys blocked` : ''}`,
      ].join('\n'),
    );

  const view = (): EndpointFlowView => ({
    endpoint,
    ...(state.paused
      ? {
          paused: {
            at: new Date(state.paused.at).toISOString(),
            by: state.paused.by,
            reason: state.paused.reason,
            breaker: state.paused.breaker,
            ...(state.nextProbeAt !== undefined && state.paused.breaker ? { nextProbeAt: new Date(state.nextProbeAt).toISOString() } : {}),
          },
        }
      : {}),
    waiting: state.waiting.length,
    inFlight: state.inFlight.length,
    blocked: { ...state.blocked },
    limits: state.limits,
  });

  const noteLabs = (labIds: number[]) => {
    for (const labId of labIds) if (!state.labIds.includes(labId)) state.labIds.push(labId);
  };

  const pause = (by: string, reason: string, breaker: boolean) => {
    if (state.paused && (state.paused.breaker === breaker || breaker)) return; // already paused; a breaker never overrides an operator
    const now = Date.now();
    state.paused = { at: now, by, reason, breaker };
    state.probeIntervalMs = settings.probeIntervalMs;
    state.nextProbeAt = breaker ? now + state.probeIntervalMs : undefined;
    state.draining = false;
    announcements.push({ seq: ++state.changes, kind: 'paused', by, reason, at: now, waitingLogIds: state.waiting.map((w) => w.logId) });
  };

  const resume = (by: string, reason: string) => {
    if (!state.paused) return;
    state.paused = undefined;
    state.nextProbeAt = undefined;
    state.draining = state.waiting.length > 0;
    announcements.push({ seq: ++state.changes, kind: 'resumed', by, reason, at: Date.now(), waitingLogIds: [] });
  };

  const unblock = (logId: string) => {
    for (const [key, blocker] of Object.entries(state.blocked)) if (blocker === logId) delete state.blocked[key];
  };

  setHandler(endpointJoinSignal, (join) => {
    news = true;
    noteLabs([join.labId]);
    if (join.limits) state.limits = join.limits;
    // A repeated join (its activity ran again) changes nothing.
    if (state.waiting.some((w) => w.logId === join.logId) || state.inFlight.some((w) => w.logId === join.logId)) return;
    state.waiting.push({ ...join, since: Date.now() });
    const blocker = join.orderKey === undefined ? undefined : state.blocked[join.orderKey];
    if (blocker) reasons.push({ logIds: [join.logId], reason: `Waiting: blocked by log ${blocker}, which failed; it goes when that log succeeds, is retried, or is skipped` });
  });

  setHandler(endpointDoneSignal, (done) => {
    news = true;
    const index = state.inFlight.findIndex((w) => w.logId === done.logId);
    const sent = index >= 0 ? state.inFlight.splice(index, 1)[0] : undefined;
    // A grant handed back unused: its slot is free, nothing was sent.
    if (done.returned) return;
    if (sent?.probe) {
      // Only the breaker's own pause ends with a probe: an operator's pause waits for an operator.
      if (!done.held && done.status === 'SUCCESS' && state.paused?.breaker) resume('probe', `a probe (log ${done.logId}) succeeded`);
      else if (state.paused?.breaker) {
        state.probeIntervalMs = Math.min(state.probeIntervalMs * 2, settings.probeMaxIntervalMs);
        state.nextProbeAt = Date.now() + state.probeIntervalMs;
      }
    }
    // Held again (the endpoint paused under it, or its probe failed): back to the head of the queue.
    if (sent && done.held) state.waiting.unshift({ ...sent, probe: undefined });
    if (done.status === 'SUCCESS') unblock(done.logId);
    else if (sent?.orderKey !== undefined && !done.held && done.status === 'FAIL') {
      state.blocked[sent.orderKey] = done.logId;
      const later = state.waiting.filter((w) => w.orderKey === sent.orderKey).map((w) => w.logId);
      if (later.length) reasons.push({ logIds: later, reason: `Waiting: blocked by log ${done.logId}, which failed; it goes when that log succeeds, is retried, or is skipped` });
    }
  });

  // A new run first recovers what an earlier one may have left (below); controls wait for that.
  let ready = input.carried !== undefined;
  const early: EndpointControl[] = [];
  const control = (control: EndpointControl) => {
    if (control.action === 'pause') {
      noteLabs(control.labIds ?? []);
      pause(control.by, control.reason, control.breaker === true);
    } else if (control.action === 'resume') resume(control.by, control.reason);
    else unblock(control.logId);
  };
  setHandler(endpointControlSignal, (received: EndpointControl) => {
    news = true;
    if (ready) control(received);
    else early.push(received);
  });

  setHandler(endpointFlowQuery, view);

  /** The next delivery allowed to go, if any: oldest first, within the in-flight cap, one per ordered key, never a blocked key. */
  const nextAllowed = (): Waiter | undefined => {
    if (state.paused) return undefined;
    const ownCap = state.limits.maxInFlight ?? Number.POSITIVE_INFINITY;
    const cap = state.draining ? Math.min(ownCap, settings.resumeInFlight) : ownCap;
    if (state.inFlight.length >= cap) return undefined;
    return nextInOrder();
  };

  /** The oldest waiter that may go as far as ordering goes: one per ordered key at a time, its earliest event first, never a blocked key. */
  const nextInOrder = (): Waiter | undefined => {
    const busy = new Set([...state.inFlight.map((w) => w.orderKey), ...Object.keys(state.blocked)]);
    for (const waiter of state.waiting) {
      if (waiter.orderKey === undefined) return waiter;
      if (busy.has(waiter.orderKey)) continue;
      // An ordered key goes in event order: its earliest waiter, whatever order they joined in.
      return state.waiting.filter((w) => w.orderKey === waiter.orderKey).reduce((a, b) => (b.order < a.order ? b : a));
    }
    return undefined;
  };

  const letThrough = (waiter: Waiter, probe: boolean) => {
    state.waiting.splice(state.waiting.indexOf(waiter), 1);
    const granted: Waiter = { ...waiter, ...(probe ? { probe: true } : {}) };
    state.inFlight.push(granted);
    if (state.limits.ratePerSecond) (state.recentGrants ??= []).push(Date.now());
    if (state.waiting.length === 0) state.draining = false;
    // Not awaited: the grants of a backlog go out together. A workflow that is gone frees its slot.
    getExternalWorkflowHandle(waiter.workflowId)
      .signal(endpointGrantSignal, { logId: waiter.logId, endpoint, ...(probe ? { probe: true } : {}) })
      .catch(() => {
        const at = state.inFlight.indexOf(granted);
        if (at >= 0) state.inFlight.splice(at, 1);
        news = true;
      });
  };

  /**
   * `ratePerSecond`: at most ⌊rate⌋ sends start in any window of a second (below one a second: one
   * per 1/rate seconds), windows counted from their first send plus a small margin. A window rather
   * than a gap between two sends: a timer fires up to about a second late, so one timer per send
   * would hold the pace far below the rate.
   */
  const rateWaitMs = (): number => {
    const rate = state.limits.ratePerSecond;
    if (!rate) return 0;
    const windowMs = (rate >= 1 ? 1000 : 1000 / rate) + RATE_WINDOW_MARGIN_MS;
    const perWindow = rate >= 1 ? Math.floor(rate) : 1;
    const now = Date.now();
    state.recentGrants = (state.recentGrants ?? []).filter((at) => now - at < windowMs);
    return state.recentGrants.length < perWindow ? 0 : state.recentGrants[0]! + windowMs - now;
  };

  const idle = () => !state.paused && state.waiting.length === 0 && state.inFlight.length === 0 && Object.keys(state.blocked).length === 0;

  if (!ready && patched(patches.endpointFlowRecovers)) {
    // An earlier run may have ended (terminated by hand) with deliveries waiting and the pause recorded.
    const recovered = await recoverEndpointFlow.executeWithOptions({ summary: steps.recoverEndpointFlow }, [endpoint]);
    if (recovered.paused && !state.paused) {
      state.paused = { at: Date.parse(recovered.paused.at), by: recovered.paused.by, reason: recovered.paused.reason, breaker: recovered.paused.breaker };
      state.nextProbeAt = recovered.paused.breaker ? Date.now() + state.probeIntervalMs : undefined;
    }
    for (const waiter of recovered.waiting) {
      if (!state.waiting.some((w) => w.logId === waiter.logId) && !state.inFlight.some((w) => w.logId === waiter.logId)) state.waiting.push({ ...waiter, since: Date.now() });
    }
  }
  ready = true;
  for (const received of early.splice(0)) control(received);

  for (;;) {
    describe();
    while (announcements.length) {
      const change = announcements.shift()!;
      await announceEndpointChange.executeWithOptions({ summary: steps.announceEndpointChange }, [
        {
          endpoint,
          alertKey: `${endpoint}#${state.firstRunId}#${change.seq}`,
          kind: change.kind,
          by: change.by,
          reason: change.reason,
          at: new Date(change.at).toISOString(),
          labIds: state.labIds,
          waitingLogIds: change.waitingLogIds,
          ...(change.kind === 'paused' && state.paused?.breaker && state.nextProbeAt !== undefined ? { nextProbeAt: new Date(state.nextProbeAt).toISOString() } : {}),
        },
      ]);
    }
    while (reasons.length) await describeWaiting.executeWithOptions({ summary: steps.describeWaiting }, [reasons.shift()!]);

    const next = nextAllowed();
    if (next) {
      const waitMs = rateWaitMs();
      if (waitMs > 0) await sleep(waitMs);
      else letThrough(next, false);
      continue;
    }
    const probing = state.paused?.breaker === true && state.waiting.length > 0 && !state.inFlight.some((w) => w.probe);
    const probe = probing && state.nextProbeAt !== undefined && Date.now() >= state.nextProbeAt ? nextInOrder() : undefined;
    if (probe) {
      letThrough(probe, true);
      continue;
    }
    if (workflowInfo().continueAsNewSuggested && announcements.length === 0) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof endpointFlowWorkflow>({ endpoint, settings, carried: state });
    }
    news = false;
    const timeout = probing && state.nextProbeAt !== undefined ? Math.max(1, state.nextProbeAt - Date.now()) : idle() ? IDLE_CLOSE_MS : undefined;
    // Without a timeout, condition() resolves to nothing: only news wakes it then.
    const heard = timeout === undefined ? (await condition(() => news), true) : await condition(() => news, timeout);
    // Closes only idle, with no change left to record (a resume of an endpoint with nothing waiting is idle at once).
    if (!heard && idle() && announcements.length === 0 && reasons.length === 0) break;
  }
  describe();
}
