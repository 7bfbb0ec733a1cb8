/**
 * Compile-time contract between the API and the dashboard. The dashboard's types
 * (web/src/types.ts) restate the answers' shapes, because the web build must not pull in server
 * modules (Node, drizzle, the Temporal SDK). Each line below compiles only while what the server
 * sends is assignable to what the dashboard reads; `npm run typecheck` (part of `npm test`) checks
 * it. A field the server drops or renames, or a type it changes, fails here, not in a browser.
 */
import type { AuditAction, AuditTargetType } from '../../src/audit/audit-actions';
import type { AuditEntry } from '../../src/audit/audit-trail';
import type { ListedUser, SessionUser, User } from '../../src/auth/users';
import type { PreviewAnswer, TestSendAnswer } from '../../src/api/integration-test-routes';
import type { IntegrationSaved } from '../../src/integrations/add-update-integration';
import type { labIntegrations, regenerateAuthKey } from '../../src/integrations/lab-integrations';
import type { LogDocument, RetryLogDocument } from '../../src/logstore/log-document';
import type { LogChange } from '../../src/logstore/log-changes';
import type { LogRow, LogStats } from '../../src/logstore/log-query';
import type { metaAnswer } from '../../src/api/meta-routes';
import type { BulkProgress } from '../../workflows/bulk-retry';
import type { AlertRow } from '../../src/endpoints/alerts';
import type { EndpointHealth } from '../../src/endpoints/endpoint-health';
import type { EndpointChangeNotice } from '../../src/endpoints/endpoint-states';
import type { EndpointFlowAnswer } from '../../src/api/endpoints-routes';
import type * as Web from '../../web/src/types';

/** A value as JSON carries it: dates become ISO strings. */
type Wire<T> = T extends Date ? string : T extends Array<infer U> ? Array<Wire<U>> : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

/** GET /api/logs rows: the read model's row and the lab's name (src/api/logs-routes.ts). */
type ServerLogRow = LogRow & { lab_name: string | null };
/** GET /api/logs/:id: the document without `retry_ids`, its retry records and the Temporal link. */
type ServerLogDetail = Wire<Omit<LogDocument, 'retry_ids'> & { retries: RetryLogDocument[]; temporalUrl: string | null }>;

export const serverAnswersFitTheDashboard = {
  logRow: (answer: ServerLogRow): Web.LogRow => answer,
  logPage: (answer: { items: ServerLogRow[]; nextCursor: string | null }): Web.LogPage => answer,
  logStats: (answer: LogStats): Web.LogStats => answer,
  logDetail: (answer: ServerLogDetail): Web.LogDocument => answer,
  bulkProgress: (answer: BulkProgress): Web.BulkProgress => answer,
  logChange: (answer: LogChange): Web.LogChange => answer,
  meta: (answer: Wire<Awaited<ReturnType<typeof metaAnswer>>>): Web.Meta => answer,
  user: (answer: User): Web.User => answer,
  sessionUser: (answer: SessionUser): Web.SessionUser => answer,
  listedUser: (answer: Wire<ListedUser>): Web.ListedUser => answer,
  addedUser: (answer: User & { password?: string }): Web.UserWithPassword => answer,
  labIntegrations: (answer: Wire<Awaited<ReturnType<typeof labIntegrations>>>): Web.LabIntegrations => answer,
  integrationSaved: (answer: IntegrationSaved): Web.IntegrationSaved => answer,
  previewAnswer: (answer: PreviewAnswer): Web.PreviewAnswer => answer,
  testSendAnswer: (answer: TestSendAnswer): Web.TestSendAnswer => answer,
  regeneratedKey: (answer: Awaited<ReturnType<typeof regenerateAuthKey>>): { id: number; authKey: string; authKeyPrefix: string } => answer,
  auditPage: (answer: { items: AuditEntry[]; nextCursor: string | null }): Web.AuditPage => answer,
  // Both ways: the Audit page's action and target lists are the server's, no more and no fewer.
  auditAction: (action: AuditAction): Web.AuditAction => action,
  auditActionKnownToServer: (action: Web.AuditAction): AuditAction => action,
  auditTargetType: (type: AuditTargetType): Web.AuditTargetType => type,
  auditTargetTypeKnownToServer: (type: Web.AuditTargetType): AuditTargetType => type,
  endpointsPage: (answer: { generatedAt: string; items: Array<EndpointHealth & { flow: EndpointFlowAnswer }> }): Web.EndpointsPage => answer,
  alerts: (answer: { items: AlertRow[] }): { items: Web.EndpointAlert[] } => answer,
  endpointChange: (answer: EndpointChangeNotice): Web.EndpointChange => answer,
};
