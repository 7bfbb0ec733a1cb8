import type { BusinessEvent } from '../src/events/business-event';
import type { IntegrationType, PayloadType, Origin } from '../src/db/schema';
import type { AttemptRecord } from '../src/logstore/log-document';
import type { Config } from '../src/config/schema';

export type { BusinessEvent };

/** The log statuses of SPEC §4; blank means suppressed (HTTP 209 or #NOTFORDASHBOARD). */
export type LogStatus = 'QUEUED' | 'SUCCESS' | 'FAIL' | '';

/**
 * Which integration a delivery goes to. Only ids and routing travel through workflow history:
 * URLs, keys, secrets and templates are read fresh from the config store on every attempt,
 * so a change applies to the next attempt and no secret is written into Temporal's history.
 */
export interface DeliveryTarget {
  logId: string;
  authId: number;
  labIntegrationId: number;
  developerId: number;
  developerName: string;
  actionCategoryId: number;
  operation: string;
  origin: Origin;
  integrationType: IntegrationType;
  payloadType: PayloadType | null;
  taskQueue: string;
}

/** Timeouts and retry bounds, read from configuration by an activity (workflows cannot read the environment). */
export type DeliverySettings = Pick<
  Config['delivery'],
  'webhookTimeoutMs' | 'webhookMaxAttempts' | 'retryBaseDelayMs' | 'retryMaxDelayMs' | 'mirthAckTimeoutMs' | 'asyncCallbackTimeoutMs'
>;

export interface DeliveryInput {
  event: BusinessEvent;
  target: DeliveryTarget;
  settings: DeliverySettings;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** What one dispatch produced; the status rules turn it into a log status. */
export type DeliveryOutcome =
  | {
      kind: 'http';
      request: RecordedRequest;
      statusCode?: number;
      responseBody?: string;
      responseTimeMs: number;
      errorMessage?: string;
      /** An async vendor's accepted submit: the log stays QUEUED until its callback. */
      awaitingCallback?: boolean;
      /** The integration's own callback timeout (integration_extra_details.callbackTimeoutMs), if set. */
      callbackTimeoutMs?: number;
      /** The attempt that produced this outcome, so finalizeLog can record it if its own write was lost. */
      attempt?: AttemptRecord;
    }
  | {
      kind: 'mirth';
      request: RecordedRequest;
      status: 'SUCCESS' | 'FAIL';
      sentToMirth: boolean;
      ackCode?: string;
      responseBody?: string;
      responseTimeMs: number;
      errorMessage?: string;
    }
  | { kind: 'vendor-callback'; status: 'SUCCESS' | 'FAIL'; message?: string; body?: string; receivedAt: string }
  | { kind: 'error'; errorMessage: string; request?: RecordedRequest };

export interface VendorCallback {
  status: 'SUCCESS' | 'FAIL';
  message?: string;
  body?: string;
  receivedAt: string;
}

export interface DeliveryState {
  logId: string;
  phase: 'creating-log' | 'dispatching' | 'awaiting-callback' | 'finalizing' | 'done';
  status: LogStatus;
}

export interface DeliveryResult {
  logId: string;
  status: LogStatus;
}
