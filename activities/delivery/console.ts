import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { DeliveryInput, DeliveryOutcome, LogStatus, RetryRequest } from '../../workflows/types';
import { WEBHOOK_RETRYABLE_ERROR } from '../webhook/dispatch-webhook';

/**
 * The console's lines about a delivery: one per failed attempt, naming the log, the integration
 * and the reason. Never a body, a URL or a header (the reason is the HTTP status and host, or
 * the network error); the activity's own attributes add the workflow id and the attempt.
 */
function deliveryFields(input: DeliveryInput, reason?: string) {
  const { target, event } = input;
  return { logId: target.logId, labId: event.labId, integrationType: target.integrationType, labIntegrationId: target.labIntegrationId, authId: target.authId, ...(reason ? { reason } : {}) };
}

/** Runs a webhook dispatch; an attempt Temporal will retry says so on one line and is rethrown. */
export async function reportingRetriedAttempts<T>(input: DeliveryInput, dispatch: () => Promise<T>): Promise<T> {
  try {
    return await dispatch();
  } catch (error) {
    if (error instanceof ApplicationFailure && error.type === WEBHOOK_RETRYABLE_ERROR) {
      log.warn('delivery attempt failed; Temporal retries it', deliveryFields(input, error.message));
    }
    throw error;
  }
}

/**
 * Why a delivery failed, in Labwire's words or the protocol's codes: a partner's answer (an HTTP
 * body, an ACK's text, a vendor's callback) may carry patient data and stays in the log.
 */
export function failureReason(outcome: DeliveryOutcome): string {
  switch (outcome.kind) {
    case 'http':
      return outcome.statusCode !== undefined ? `HTTP ${outcome.statusCode}` : (outcome.errorMessage ?? 'No response');
    case 'mirth':
      return outcome.ackCode !== undefined ? `Mirth ACK ${outcome.ackCode}` : (outcome.errorMessage ?? 'Mirth did not confirm the message');
    case 'vendor-callback':
      return 'the vendor reported a failure in its callback';
    case 'error':
      return outcome.errorMessage;
  }
}

/** The outcome as written to the log: a FAIL is a warning; any other status is for debugging. */
export function reportOutcome(input: DeliveryInput, status: LogStatus, outcome: DeliveryOutcome, retry?: RetryRequest): void {
  const retryFields = retry ? { retryId: retry.retryId, retryKind: retry.kind } : {};
  if (status === 'FAIL') log.warn(retry ? 'retry failed' : 'delivery failed', { ...deliveryFields(input, failureReason(outcome)), ...retryFields });
  else log.debug(retry ? 'retry finished' : 'delivery finished', { ...deliveryFields(input), status, ...retryFields });
}
