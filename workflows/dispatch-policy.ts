import { ActivityFailure, ApplicationFailure, type RetryPolicy } from '@temporalio/workflow';
import type { DeliveryInput, DeliverySettings } from './types';

/**
 * How a dispatch is retried and how long one attempt may take: the delivery's settings, read
 * from configuration when the delivery was resolved. The activity reads the same numbers from its
 * input (WebhookDispatchInput.retry) to tell its last attempt: one owner, the settings.
 *
 * Workflow code imports this module: no I/O, no Node built-ins.
 */
export function dispatchRetryPolicy(settings: DeliverySettings): RetryPolicy {
  return {
    maximumAttempts: settings.webhookMaxAttempts,
    initialInterval: settings.retryBaseDelayMs,
    maximumInterval: settings.retryMaxDelayMs,
    backoffCoefficient: 2,
    // Errors no retry can fix (a missing entity, a broken template) never reach Temporal: the
    // activity records them as a FAIL outcome (activities/delivery/deliver.ts), the one owner of that rule.
  };
}

/** One attempt's limit: the partner's timeout plus room for reading the config and writing the log. */
export function dispatchTimeoutMs({ target, settings }: DeliveryInput): number {
  return (target.integrationType === 'mirth' ? settings.mirthAckTimeoutMs : settings.webhookTimeoutMs) + 10_000;
}

/** The reason a dispatch's activity gave up, as the log's error message. */
export function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  if (error instanceof ApplicationFailure || error instanceof Error) return error.message;
  return String(error);
}
