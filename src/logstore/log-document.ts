import type { Origin } from '../db/schema';
import type { DeliveryOutcome, LogStatus, RecordedRequest } from '../../workflows/types';

export const LOGS_COLLECTION = 'integration_directory';

export type FusionLog = 'Sent to Mirth' | 'Failed at Livehealthapp' | 'Failed at Crelio-app';

/** One dispatch attempt as recorded on the log (headers redacted). */
export interface AttemptRecord {
  attempt: number;
  /** ISO 8601, when the attempt started. */
  at: string;
  statusCode?: number;
  latencyMs: number;
  error?: string;
  /** Redacted. */
  requestHeaders: Record<string, string>;
  /** Lower-cased and redacted. */
  responseHeaders?: Record<string, string>;
}

/** References that let a retry rebuild its arguments from live data (SPEC §4). */
export interface RetryContext {
  entity_type: string;
  entity_id: number;
  lab_id: number;
  org_id: number | null;
  action_category_id: number;
  lab_integration_id: number | null;
  auth_id: number | null;
}

/** The log document of SPEC §4, collection `integration_directory`. */
export interface LogDocument {
  _id: string;
  type: 'WEBHOOK' | 'API';
  lab_id: number | null;
  org_id: number | null;
  developer_id: number | null;
  developer_name: string | null;
  auth_id: number | null;
  lab_integration_id: number | null;
  action_category_id: number | null;
  operation: string;
  integration_type: string | null;
  status: LogStatus;
  error_message: string | null;
  request: RecordedRequest | null;
  response_body: string | null;
  response_status_code: number | null;
  response_time: number | null;
  fusion_log: FusionLog | null;
  sent_to_mirth: boolean;
  retry_count: number;
  auto_retry_count: number;
  triggered_by_py3: boolean;
  origin: Origin | null;
  retry_context: RetryContext | null;
  workflow_id: string | null;
  run_id: string | null;
  event_id: string | null;
  inserted_at: Date;
  activity_date: Date | null;
  updated_at: Date;
  attempts: AttemptRecord[];
  /** Ids of the retries already applied, so a re-run activity never counts one twice. */
  retry_ids?: string[];
  /**
   * API logs: the endpoint called (method and path). Deliveries: the target's host[:port] (a
   * webhook URL's host, a Mirth peer's host:port), never a path or query; set when the log is
   * created and again from each dispatch's request. Absent on deliveries logged before it existed.
   */
  endpoint?: string;
  /**
   * Set when the body retention (src/retention) removed the log's bodies: request body, the
   * query string, the response body and an error text that was the partner's answer. Cleared
   * when a retry records new ones.
   */
  bodies_removed_at?: Date;
  /** LOG_BODY_RETENTION_DAYS when they were removed, so the detail view can say why. */
  body_retention_days?: number;
  /**
   * The last dispatch outcome (`delivery_dispatches` id) written into this log: its working copy is
   * dropped once written, and a finalize run again for it knows by this that it was applied.
   */
  applied_dispatch?: string;
  /**
   * A test delivery sent from Manage Integrations (POST /api/integrations/test-send): shown with a
   * `test` badge, left out of the dashboard's figures, never retried. Absent on every other log.
   */
  test?: true;
}

/**
 * FerretDB 1.x leaves top-level nulls and empty arrays out of a document an upsert inserts (the
 * pre-created log is one): read back, a log has every field of its type again.
 */
const NULLABLE_FIELDS = [
  'lab_id', 'org_id', 'developer_id', 'developer_name', 'auth_id', 'lab_integration_id', 'action_category_id', 'integration_type',
  'error_message', 'request', 'response_body', 'response_status_code', 'response_time', 'fusion_log',
  'origin', 'retry_context', 'workflow_id', 'run_id', 'event_id', 'activity_date',
] as const satisfies ReadonlyArray<keyof LogDocument>;
const NULLS = Object.fromEntries(NULLABLE_FIELDS.map((field) => [field, null]));

export function withOmittedFields(doc: LogDocument): LogDocument {
  return { ...NULLS, ...doc, attempts: doc.attempts ?? [] };
}

export const RETRY_LOGS_COLLECTION = 'integration_retry_logs';

/**
 * One dispatch's full outcome (request and response bodies), written by the dispatch activity so
 * that the delivery workflow's history carries only `_id` (workflows/types.ts, StoredDispatch).
 * Holds patient data like the log's own `request` and `response_body`.
 */
export const DISPATCHES_COLLECTION = 'delivery_dispatches';

export interface DispatchDocument {
  _id: string;
  log_id: string;
  outcome: DeliveryOutcome;
  stored_at: Date;
}

/** One retry of a log (SPEC §4): who asked, when, and how it ended. */
export interface RetryLogDocument {
  _id: string;
  log_id: string;
  retry_id: string;
  kind: 'manual' | 'auto' | 'bulk';
  requested_by: string;
  requested_at: Date;
  finished_at: Date;
  status: LogStatus;
  response_status_code: number | null;
  error_message: string | null;
  response_time: number | null;
}
