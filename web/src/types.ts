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

/** The signed-in user, with the labs they are limited to ([] = every lab; admins are never limited). */
export interface SessionUser extends User {
  labIds: number[];
}

/** A row of the admin's Users page (GET /api/users). */
export interface ListedUser extends SessionUser {
  disabled: boolean;
  createdAt: string;
  labs: Named[];
}

/** A user just added or reset: the generated password is in this answer only. */
export interface UserWithPassword extends User {
  password?: string;
}

export interface Session {
  user: SessionUser;
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
  /** The process runs the demo partner (`labwire start`): the header shows a Demo badge. */
  demo: boolean;
  /** SIGNING_SECRET_OVERLAP_HOURS: how long a replaced signing secret keeps signing beside the new one. */
  signingSecretOverlapHours: number;
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
  /** API logs: the path called; deliveries: the target's host[:port] (a URL's host, a Mirth peer). */
  endpoint?: string | null;
  lab_integration_id?: number | null;
  auth_id?: number | null;
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
  /** A test delivery sent from Manage Integrations (Send a test). */
  test?: boolean;
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
  /** Set when the body retention removed the bodies (LOG_BODY_RETENTION_DAYS after the log's last write). */
  bodies_removed_at?: string;
  body_retention_days?: number;
  /** A test delivery sent from Manage Integrations (Send a test). */
  test?: true;
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
  /** Write-only: read back masked (`…` and the last 4 characters); left out on save, the stored one stays; null removes it. */
  'x-api-key'?: string | null;
  callbackTimeoutMs?: number;
  /** Write-only, as x-api-key. */
  signingSecret?: string | null;
  /** Read only, masked: a replaced signing secret that still signs beside the new one until expiresAt. */
  previousSigningSecret?: { secret: string; expiresAt: string };
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
  /** The key's first 12 characters; the key itself is shown once, when made. */
  authKeyPrefix: string;
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
  /** The authentication to update; left out, a new one (with a new auth key) is created. */
  authId?: number;
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
  /** Only when created: the one time the key is shown. */
  authKey?: string;
  authKeyPrefix: string;
  authId: number;
  integrations: { id: number; actionCategoryId: number }[];
}

export interface LogChange {
  logId: string;
  status: LogStatus;
  retryId?: string;
}

/** The audit trail's closed set of actions (src/audit/audit-actions.ts; the contract keeps both lists equal). */
export const AUDIT_ACTIONS = [
  'session.sign_in',
  'session.sign_in_failed',
  'session.sign_out',
  'log.view_bodies',
  'log.retry',
  'logs.bulk_retry',
  'logs.bulk_retry_cancel',
  'integration.create',
  'integration.update',
  'integration.preview',
  'integration.test_send',
  'integration.enable',
  'integration.disable',
  'auth_key.regenerate',
  'signing_secret.rotate',
  'user.create',
  'user.update',
  'user.disable',
  'user.enable',
  'user.password_reset',
  'temporal_codec.decode',
  'audit.export',
  'endpoint.pause',
  'endpoint.resume',
  'endpoint.skip',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_TARGET_TYPES = ['user', 'log', 'bulk_retry', 'authentication', 'lab_integration', 'endpoint'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/** A row of GET /api/audit, and a line of its export. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: { type: 'user' | 'anonymous' | 'partner' | 'system'; userId: number | null; name: string };
  action: AuditAction;
  target: { type: AuditTargetType; id: string } | null;
  detail: Record<string, unknown>;
  clientAddress: string | null;
}

export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

/** POST /api/integrations/preview: what a delivery of the draft would send, rendered from live data. */
export type DeliveryPreview =
  | { kind: 'http'; method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body: string | null }
  | { kind: 'hl7'; url: string; message: string };

export type PreviewEntityType = 'patient' | 'bill' | 'report';

export interface PreviewAnswer {
  preview: DeliveryPreview;
  event: { actionCategoryId: number; action: string; entity: { type: PreviewEntityType; id: number } };
}

export interface PreviewRequest {
  integration: IntegrationInput;
  event: { actionCategoryId: number; entity: { type: PreviewEntityType; id?: number } };
}

/** POST /api/integrations/test-send?wait=true: the test delivery's outcome and the partner's answer. */
export interface TestSendAnswer {
  logId: string;
  status: LogStatus;
  responseStatusCode: number | null;
  responseBody: string | null;
  errorMessage: string | null;
  responseTimeMs: number | null;
}

/** GET /api/endpoints (src/endpoints/endpoint-health.ts). */
export type EndpointHealthState = 'failing' | 'degraded' | 'healthy' | 'idle';

export interface EndpointWindow {
  deliveries: number;
  success: number;
  fail: number;
  queued: number;
  successRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface EndpointHealth {
  endpoint: string;
  integrationType: string;
  health: EndpointHealthState;
  lastHour: EndpointWindow;
  lastDay: EndpointWindow;
  consecutiveFailures: number;
  lastSuccessAt: string | null;
  lastFailure: { logId: string; at: string; errorMessage: string | null } | null;
  developers: Array<{ id: number; name: string | null }>;
  labIds: number[];
  authIds: number[];
  flow: EndpointFlow;
}

/** An endpoint's pause (by the breaker or an operator) and its last resume (src/api/endpoints-routes.ts). */
export interface EndpointFlow {
  paused: boolean;
  pausedAt: string | null;
  pausedBy: string | null;
  pausedReason: string | null;
  nextProbeAt: string | null;
  resumedAt: string | null;
  resumedBy: string | null;
  resumedReason: string | null;
}

/** GET /api/alerts (src/endpoints/alerts.ts). */
export interface EndpointAlert {
  id: number;
  endpoint: string;
  kind: 'paused' | 'resumed';
  text: string;
  labIds: number[];
  channels: Record<string, string>;
  createdAt: string;
}

/** `event: endpoint` of /api/stream. */
export interface EndpointChange {
  endpoint: string;
  state: 'paused' | 'open';
  by: string;
  reason: string;
  at: string;
  labIds: number[];
}

export interface EndpointsPage {
  generatedAt: string;
  items: EndpointHealth[];
}
