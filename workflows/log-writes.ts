import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { DeliveryActivities } from '../activities/delivery';
import { steps, type StepName } from './step-names';

/**
 * Logging is a passive side effect: a log-store outage delays these writes but never fails the
 * delivery or the business event. A write first runs as a local activity (no task-queue round
 * trip); if the store does not take it within 20 s, it continues as an ordinary activity retried
 * without limit. Local-activity retries hold the worker (it cannot shut down while they run);
 * server-side retries do not.
 *
 * Workflow code imports this module: no I/O, no Node built-ins.
 */
const quickLogWrites = proxyLocalActivities<DeliveryActivities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds' },
});
const durableLogWrites = proxyActivities<DeliveryActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** A write's two step names (step-names.ts): the local attempt, and the durable fallback's own. */
export interface WriteNames {
  quick: StepName;
  durable: StepName;
}

type Activity = 'prepareDeliveries' | 'createLog' | 'finalizeLog';

function quickThenDurable<K extends Activity>(name: K, names: WriteNames, args: Parameters<DeliveryActivities[K]>): Promise<Awaited<ReturnType<DeliveryActivities[K]>>> {
  // The proxies are typed per activity; one generic call through them needs the cast.
  const quick = quickLogWrites[name] as unknown as { executeWithOptions(o: { summary: string }, a: unknown[]): Promise<Awaited<ReturnType<DeliveryActivities[K]>>> };
  const durable = durableLogWrites[name] as unknown as typeof quick;
  return quick.executeWithOptions({ summary: names.quick }, args).catch(() => durable.executeWithOptions({ summary: names.durable }, args));
}

export const logWrites = {
  prepareDeliveries: (...args: Parameters<DeliveryActivities['prepareDeliveries']>) =>
    quickThenDurable('prepareDeliveries', { quick: steps.prepareDeliveries, durable: steps.prepareDeliveriesDurable }, args),
  createLog: (...args: Parameters<DeliveryActivities['createLog']>) => quickThenDurable('createLog', { quick: steps.createLog, durable: steps.createLogDurable }, args),
  finalizeLog: (names: WriteNames, ...args: Parameters<DeliveryActivities['finalizeLog']>) => quickThenDurable('finalizeLog', names, args),
};

export const dispatchOutcomeWrite: WriteNames = { quick: steps.finalizeLog, durable: steps.finalizeLogDurable };
export const callbackOutcomeWrite: WriteNames = { quick: steps.finalizeCallback, durable: steps.finalizeCallbackDurable };
