/** Shapes of the operator API's answers (the dashboard contract, SPEC §4 and §7). */

export type Role = 'viewer' | 'operator' | 'admin';
export type LogType = 'WEBHOOK' | 'API';
/** '' is a suppressed log (HTTP 209 or #NOTFORDASHBOARD). */
export type LogStatus = 'QUEUED' | 'SUCCESS' | 'FAIL' | '';
export type StatusFilter = 'QUEUED' | 'SUCCESS' | 'FAIL' | 'SUPPRESSED';
export type DateField = 'inserted_at' | 'activity_date';
export type IntegrationType = 'webhook' | 'api' | 'mirth' | 'async_vendor';
export type PayloadType = 'ORM' | 'ADT' | 'ORU_R01';

export interface User {
  id: number;
  username: string;
  role: Role;
}

/** A row of the admin's Users page (GET /api/users). */
export interface ListedUser extends User {
  disabled: boolean;
  createdAt: string;
}

/** A user just added or reset: the generated password is in this answer only. */
export interface UserWithPassword extends User {
  password?: string;
}

export interface Session {
  user: User;
  csrfToken: string;
}

export interface Named {
  id: number;
  name: string;
}

export interface ActionCategory extends Named {
  origin: string;
}

export interface Meta {
  temporalUiUrl: string;
  namespace: string;
  version: string;
  actionCategories: ActionCategory[];
  developers: Named[];
}

export interface LogRow {
  id: string;
  type: LogType;
  operation: string;
  lab_id: number | null;
  lab_name?: string | null;
  developer_id: number | null;
  developer_name: string | null;
  action_category_id: number | null;
  integration_type: string | null;
  endpoint?: string | null;
  status: LogStatus;
  response_status_code: number | null;
  response_time: number | null;
  error_message: string | null;
  inserted_at: string;
  activity_date: string | null;
  updated_at: string;
  retry_count: number;
  auto_retry_count: number;
  event_id: string | null;
  entity: string | null;
}

export interface LogPage {
  items: LogRow[];
  nextCursor: string | null;
}

export interface LogStats {
  total: number;
  byStatus: Record<StatusFilter, number>;
  successRate: number | null;
  responseTimeMs: { p50: number; p95: number } | null;
  series: { bucketMs: number; points: { t: string; total: number; failed: number }[] };
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Attempt {
  attempt: number;
  at: string;
  statusCode?: number;
  latencyMs: number;
  error?: string;
  requestHeaders: Record<string, string>;
  responseHeaders?: Record<string, string>;
}

export interface RetryRecord {
  _id: string;
  log_id: string;
  retry_id: string;
  kind: 'manual' | 'auto' | 'bulk';
  requested_by: string;
  requested_at: string;
  status: LogStatus;
  finished_at: string | null;
  error_message: string | null;
  response_status_code: number | null;
  response_time?: number | null;
}

export interface RetryContext {
  entity_type: string;
  entity_id: number;
  lab_id: number;
  org_id: number | null;
  action_category_id: number;
  lab_integration_id: number | null;
  auth_id: number | null;
}

/** GET /api/logs/:id — the whole log document plus its retries and Temporal link. */
export interface LogDocument {
  _id: string;
  type: LogType;
  lab_id: number | null;
  lab_name?: string | null;
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
  fusion_log: string | null;
  sent_to_mirth: boolean;
  retry_count: number;
  auto_retry_count: number;
  triggered_by_py3: boolean;
  origin: string | null;
  retry_context: RetryContext | null;
  workflow_id: string | null;
  run_id: string | null;
  event_id: string | null;
  inserted_at: string;
  activity_date: string | null;
  updated_at: string;
  attempts: Attempt[];
  endpoint?: string | null;
  entity?: string | null;
  retries: RetryRecord[];
  temporalUrl: string | null;
}

export interface HistoryEvent {
  eventId: string | number;
  time: string;
  type: string;
  summary: string;
  /** The step's decoded values (payloads are encrypted in Temporal; the API decodes them), as JSON. */
  details?: string;
}

export interface WorkflowHistory {
  workflowId: string;
  runId: string | null;
  temporalUrl: string;
  events: HistoryEvent[];
}

export interface BulkProgress {
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  refused: number;
  state: 'running' | 'done' | 'cancelled';
}

export interface Lab {
  id: number;
  name: string;
  city: string | null;
}

export interface ExtraDetails {
  host?: string;
  port?: number;
  vendor?: string;
  'x-api-key'?: string;
  callbackTimeoutMs?: number;
  signingSecret?: string;
}

export interface LabIntegration {
  id: number;
  actionCategoryId: number;
  actionCategoryName: string;
  url: string | null;
  requestType: 0 | 1 | null;
  integrationExtraDetails: ExtraDetails | null;
  isDisable: boolean;
}

export interface Authentication {
  id: number;
  authKey: string;
  labId: number;
  orgId: number | null;
  isOrg: boolean;
  developerId: number;
  developerName: string | null;
  url: string | null;
  integrationType: IntegrationType;
  requestType: 0 | 1;
  payloadType: PayloadType | null;
  templateText: string | null;
  extraDetails: ExtraDetails | null;
  isIntegrationEnable: boolean;
  integrations: LabIntegration[];
}

export interface LabIntegrations {
  lab: Lab;
  organisations: Named[];
  authentications: Authentication[];
}

export interface IntegrationInput {
  authKey?: string;
  labId: number;
  orgId?: number;
  isOrg: boolean;
  developerId: number;
  developerName?: string;
  integrationType: IntegrationType;
  url?: string;
  requestType: 0 | 1;
  payloadType?: PayloadType;
  templateText?: string;
  extraDetails: ExtraDetails;
  isIntegrationEnable: boolean;
  integrations: { actionCategoryId: number; url?: string; requestType?: 0 | 1; extraDetails?: ExtraDetails; isDisable: boolean }[];
}

export interface IntegrationSaved {
  authKey: string;
  authId: number;
  integrations: { id: number; actionCategoryId: number }[];
}

export interface LogChange {
  logId: string;
  status: LogStatus;
  retryId?: string;
}
