/**
 * What the audit trail records: a closed set of action names, each written by exactly one place
 * in the code (named next to each). A new audited action is added here first.
 */
export const AUDIT_ACTIONS = [
  /** POST /api/session answered 200 (session-routes.ts). */
  'session.sign_in',
  /** POST /api/session answered 401: the attempted username, never the password. */
  'session.sign_in_failed',
  /** DELETE /api/session. */
  'session.sign_out',
  /** GET /api/logs/:id: the detail answer carries the request and response bodies (logs-routes.ts). */
  'log.view_bodies',
  /** POST /api/logs/:id/retry accepted. */
  'log.retry',
  /** POST /api/logs/retry started: the selection (filter or ids) and how many logs it held (bulk-routes.ts). */
  'logs.bulk_retry',
  /** POST /api/bulk-retries/:id/cancel. */
  'logs.bulk_retry_cancel',
  /** POST /api/integrations naming no authentication (integrations-routes.ts). */
  'integration.create',
  /** POST /api/integrations naming one by authId or authKey. */
  'integration.update',
  /** POST /api/integrations/preview answered: a draft rendered with live (patient) data (integration-test-routes.ts). */
  'integration.preview',
  /** POST /api/integrations/test-send started a test delivery (target: its log). */
  'integration.test_send',
  /** PATCH /api/authentications/:id or /api/lab-integrations/:id switching it on. */
  'integration.enable',
  /** The same, switching it off. */
  'integration.disable',
  /** POST /api/authentications/:id/regenerate-key. */
  'auth_key.regenerate',
  /** POST /api/authentications/:id/rotate-signing-secret. */
  'signing_secret.rotate',
  /** POST /api/users (users-routes.ts). */
  'user.create',
  /** PATCH /api/users/:id changing the role only. */
  'user.update',
  /** PATCH /api/users/:id with disabled: true. */
  'user.disable',
  /** PATCH /api/users/:id with disabled: false. */
  'user.enable',
  /** POST /api/users/:id/reset-password. */
  'user.password_reset',
  /**
   * Temporal payloads decrypted for someone: POST /api/temporal-codec/decode (codec-routes.ts; encode
   * is not recorded), or a log's timeline answered with its values (GET /api/logs/:id/history).
   */
  'temporal_codec.decode',
  /** GET /api/audit/export: who took a copy of the trail. */
  'audit.export',
  /** POST /api/endpoints/pause: an operator paused an endpoint, with a reason (endpoints-routes.ts). */
  'endpoint.pause',
  /** POST /api/endpoints/resume. */
  'endpoint.resume',
  /** POST /api/endpoints/skip: the later deliveries of an ordered key go past a failed log. */
  'endpoint.skip',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an action was done to; `id` is text, since log ids are hex and user ids are numbers. */
export const AUDIT_TARGET_TYPES = ['user', 'log', 'bulk_retry', 'authentication', 'lab_integration', 'endpoint'] as const;

export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

export interface AuditTarget {
  type: AuditTargetType;
  id: string | number;
}

/**
 * Who did it. `anonymous` is a failed sign-in: its name is the username that was tried.
 * A partner is named by its key's visible prefix (`partner key <prefix>`), never the key.
 */
export const ACTOR_TYPES = ['user', 'anonymous', 'partner', 'system'] as const;

export type AuditActor =
  | { type: 'user'; userId: number; name: string }
  | { type: 'anonymous'; name: string }
  | { type: 'partner'; name: string }
  | { type: 'system'; name: 'system' };

export const userActor = (user: { id: number; username: string }): AuditActor => ({ type: 'user', userId: user.id, name: user.username });
export const anonymousActor = (attemptedUsername: string): AuditActor => ({ type: 'anonymous', name: attemptedUsername });
export const partnerActor = (keyPrefix: string): AuditActor => ({ type: 'partner', name: `partner key ${keyPrefix}` });
export const SYSTEM_ACTOR: AuditActor = { type: 'system', name: 'system' };

/** JSON; an undefined member is left out, as JSON.stringify does. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

/** A few facts about the action; never a secret, a password, or patient data (bodies, names). */
export type AuditDetail = { [key: string]: Json | undefined };

/** One action to record; the actor is the signed-in user unless given. */
export interface AuditNote {
  action: AuditAction;
  target?: AuditTarget;
  detail?: AuditDetail;
  actor?: AuditActor;
}
