import type { LogDocument, RetryLogDocument } from '../logstore/log-document';
import type { RecordedRequest } from '../../workflows/types';

/** What stays of an error text that was the partner's answer, when no status code can stand for it. */
export const ANSWER_REMOVED = "The partner's answer (removed with the bodies)";

/** The fields a body removal writes; everything else on the log (status, times, ids, codes, attempts) stays. */
export type BodyRemoval = Pick<LogDocument, 'request' | 'response_body' | 'error_message'> &
  Required<Pick<LogDocument, 'bodies_removed_at' | 'body_retention_days'>>;

/** A URL without its query string and fragment: a GET webhook carries its whole payload there. */
export function withoutQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

/**
 * An error text, unless it was the partner's answer. A log's `error_message` is most often the
 * partner's own body (SPEC §4), an ACK's text or a vendor's callback message — any of which may
 * name a patient — whenever the partner answered; when nothing answered it is Labwire's own
 * words (`No response`, a network error, a blocked target), which carry no lab data and which
 * operators still want to read.
 */
function errorWithoutAnswer(message: string | null | undefined, statusCode: number | null | undefined, partnerAnswered: boolean): string | null {
  if (message === null || message === undefined) return null;
  if (!partnerAnswered) return message;
  return statusCode === null || statusCode === undefined ? ANSWER_REMOVED : `HTTP ${statusCode}`;
}

// FerretDB 1.x leaves null fields out of an upserted document, so "no value" arrives as null or as absent.
const present = (value: unknown) => value !== null && value !== undefined;

/**
 * The log without its patient data: the request's body and query string, the response body,
 * and an error text that was the partner's answer. The headers stay (secrets were redacted when
 * they were recorded), and so does every attempt (times, status codes, network errors, headers).
 */
export function bodyRemoval(doc: LogDocument, removedAt: Date, retentionDays: number): BodyRemoval {
  const request: RecordedRequest | null = doc.request ? { method: doc.request.method, url: withoutQuery(doc.request.url), headers: doc.request.headers } : null;
  const partnerAnswered = present(doc.response_status_code) || present(doc.response_body);
  return {
    request,
    response_body: null,
    error_message: errorWithoutAnswer(doc.error_message, doc.response_status_code, partnerAnswered),
    bodies_removed_at: removedAt,
    body_retention_days: retentionDays,
  };
}

/**
 * A retry record's error text after removal. Records keep no body to tell by, so the status code
 * and the integration type do: Mirth's ACK text and a vendor's callback message come without one.
 */
export function retryErrorWithoutAnswer(record: Pick<RetryLogDocument, 'error_message' | 'response_status_code'>, integrationType: string | null): string | null {
  const partnerAnswered = present(record.response_status_code) || integrationType === 'mirth' || integrationType === 'async_vendor';
  return errorWithoutAnswer(record.error_message, record.response_status_code, partnerAnswered);
}
