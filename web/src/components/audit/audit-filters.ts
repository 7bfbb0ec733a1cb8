import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, type AuditAction, type AuditTargetType } from '../../types';

/** The Audit page's filters: kept in the URL (/audit?actor=…), so a view can be shared or reloaded. */
export interface AuditFilters {
  actor?: string;
  action?: AuditAction;
  targetType?: AuditTargetType;
  targetId?: string;
  from?: string;
  to?: string;
}

const isAction = (value: string | null): value is AuditAction => (AUDIT_ACTIONS as readonly string[]).includes(value ?? '');
const isTargetType = (value: string | null): value is AuditTargetType => (AUDIT_TARGET_TYPES as readonly string[]).includes(value ?? '');
const text = (value: string | null) => (value && value.trim() ? value.trim() : undefined);
const instant = (value: string | null) => (value && !Number.isNaN(new Date(value).getTime()) ? value : undefined);

export function parseAuditFilters(search: string): AuditFilters {
  const params = new URLSearchParams(search);
  const action = params.get('action');
  const targetType = params.get('targetType');
  const filters: AuditFilters = {
    actor: text(params.get('actor')),
    action: isAction(action) ? action : undefined,
    targetType: isTargetType(targetType) ? targetType : undefined,
    targetId: text(params.get('targetId')),
    from: instant(params.get('from')),
    to: instant(params.get('to')),
  };
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined));
}

/** The same filters as GET /api/audit (and its export) and the page's URL take them. */
export function auditQuery(filters: AuditFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== '') params.set(key, String(value));
  return params;
}

/** How each action reads on the page (its name stays beside it, as the API and export spell it). */
export const ACTION_LABELS: Record<AuditAction, string> = {
  'session.sign_in': 'Signed in',
  'session.sign_in_failed': 'Sign-in failed',
  'session.sign_out': 'Signed out',
  'log.view_bodies': 'Viewed a log with its bodies',
  'log.retry': 'Retried a log',
  'logs.bulk_retry': 'Started a bulk retry',
  'logs.bulk_retry_cancel': 'Cancelled a bulk retry',
  'integration.create': 'Created an integration',
  'integration.update': 'Updated an integration',
  'integration.preview': 'Previewed a delivery (live data)',
  'integration.test_send': 'Sent a test delivery',
  'integration.enable': 'Enabled an integration',
  'integration.disable': 'Disabled an integration',
  'auth_key.regenerate': 'Regenerated an auth key',
  'signing_secret.rotate': 'Rotated a signing secret',
  'user.create': 'Added a user',
  'user.update': 'Changed a user',
  'user.disable': 'Disabled a user',
  'user.enable': 'Enabled a user',
  'user.password_reset': "Reset a user's password",
  'temporal_codec.decode': 'Decoded Temporal payloads',
  'audit.export': 'Exported the audit trail',
  'endpoint.pause': 'Paused an endpoint',
  'endpoint.resume': 'Resumed an endpoint',
  'endpoint.skip': 'Let an ordered key skip a failed log',
};
