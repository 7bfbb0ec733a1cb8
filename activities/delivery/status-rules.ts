import type { IntegrationType, Origin } from '../../src/db/schema';
import { endpointOfUrl } from '../../src/logstore/endpoint';
import type { FusionLog } from '../../src/logstore/log-document';
import type { LogFinalFields } from '../../src/logstore/delivery-logs';
import type { DeliveryOutcome, LogStatus } from '../../workflows/types';

/** Seed rule: a partner suppresses a log from the dashboard with HTTP 209 or this marker in its body. */
export const SUPPRESS_MARKER = '#NOTFORDASHBOARD';
const SUPPRESS_STATUS_CODE = 209;

export function failedAt(origin: Origin): FusionLog {
  return origin === 'crelio-app' ? 'Failed at Crelio-app' : 'Failed at Livehealthapp';
}

function httpStatus(statusCode: number, body: string | undefined, awaitingCallback: boolean): LogStatus {
  if (statusCode === SUPPRESS_STATUS_CODE || (body ?? '').includes(SUPPRESS_MARKER)) return '';
  if (statusCode >= 200 && statusCode < 300) return awaitingCallback ? 'QUEUED' : 'SUCCESS';
  return 'FAIL';
}

/**
 * Where a log's status is decided (SPEC §4 status rules). Only 2xx is success; a 3xx is a FAIL.
 * The error message is the first error, which is most often the partner's own body.
 */
export function decideLogFields(outcome: DeliveryOutcome, integrationType: IntegrationType, origin: Origin): Partial<LogFinalFields> {
  const fields = outcomeFields(outcome, integrationType, origin);
  // Where this dispatch really went (the URL may have changed since the log was created): host[:port] only.
  const endpoint = endpointOfUrl(fields.request?.url);
  return endpoint ? { ...fields, endpoint } : fields;
}

function outcomeFields(outcome: DeliveryOutcome, integrationType: IntegrationType, origin: Origin): Partial<LogFinalFields> {
  const mirthFailure = integrationType === 'mirth' ? { fusion_log: failedAt(origin), sent_to_mirth: false } : {};
  switch (outcome.kind) {
    case 'http': {
      const base = { request: outcome.request, response_time: outcome.responseTimeMs, response_body: outcome.responseBody ?? null };
      if (outcome.statusCode === undefined) {
        return { ...base, status: 'FAIL', error_message: outcome.errorMessage ?? 'No response', response_status_code: null };
      }
      const status = httpStatus(outcome.statusCode, outcome.responseBody, outcome.awaitingCallback ?? false);
      const errorMessage = status === 'FAIL' ? outcome.responseBody || `HTTP ${outcome.statusCode}` : null;
      return { ...base, status, error_message: errorMessage, response_status_code: outcome.statusCode };
    }
    case 'mirth':
      return {
        status: outcome.status,
        request: outcome.request,
        response_body: outcome.responseBody ?? null,
        response_time: outcome.responseTimeMs,
        response_status_code: null,
        error_message: outcome.status === 'FAIL' ? (outcome.errorMessage ?? 'Mirth did not confirm the message') : null,
        sent_to_mirth: outcome.sentToMirth,
        fusion_log: outcome.status === 'SUCCESS' ? 'Sent to Mirth' : failedAt(origin),
      };
    case 'vendor-callback': {
      const suppressed = (outcome.body ?? '').includes(SUPPRESS_MARKER);
      return {
        status: suppressed ? '' : outcome.status,
        error_message: outcome.status === 'FAIL' ? outcome.message || outcome.body || 'Vendor reported a failure' : null,
        response_body: outcome.body ?? outcome.message ?? null,
      };
    }
    case 'error':
      return { status: 'FAIL', error_message: outcome.errorMessage, ...(outcome.request ? { request: outcome.request } : {}), ...mirthFailure };
  }
}
