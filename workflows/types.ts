import type { BusinessEvent } from '../src/events/business-event';
import type { IntegrationType, PayloadType, Origin } from '../src/db/schema';
import type { AttemptRecord } from '../src/logstore/log-document';
import type { Config } from '../src/config/schema';
import type { BreakerThresholds } from '../src/endpoints/breaker';

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
  /**
   * host[:port] of the URL or Mirth peer at resolve time (never a path or query: they may hold
   * patient data); the log's `endpoint` until a dispatch records where it really went. Absent in
   * runs started before it existed.
   */
  endpoint?: string | null;
  /**
   * A test delivery sent from Manage Integrations: its settings are the draft kept under its log id
   * (test_deliveries), not a saved trigger; it is sent once, its log is marked `test`, and it is
   * not retried. authId and labIntegrationId are 0 when the draft was never saved.
   */
  test?: true;
  /**
   * Set by prepareDeliveries when the delivery waits for its endpoint's turn (the endpoint is
   * paused, or the integration limits or orders its deliveries): it has joined the queue of the
   * endpoint's flow workflow (workflows/endpoint-flow.ts), which lets it through.
   */
  joined?: true;
  /** The integration's own breaker thresholds (extra details `breaker`), when it has any. */
  breaker?: Partial<BreakerThresholds>;
}

/** Timeouts and retry bounds, read from configuration by an activity (workflows cannot read the environment). */
export type DeliverySettings = Pick<
  Config['delivery'],
  'webhookTimeoutMs' | 'webhookMaxAttempts' | 'retryBaseDelayMs' | 'retryMaxDelayMs' | 'mirthAckTimeoutMs' | 'asyncCallbackTimeoutMs' | 'retentionMs'
>;

export interface DeliveryInput {
  event: BusinessEvent;
  target: DeliveryTarget;
  settings: DeliverySettings;
  /**
   * `deliver` (a new event): pre-create the log and dispatch. `retries-only`: the log exists and
   * was delivered before; this run was opened by a retry after the earlier run closed.
   */
  mode?: 'deliver' | 'retries-only';
  /** The log's status when a `retries-only` run starts (for the SUCCESS-needs-force rule). */
  currentStatus?: LogStatus;
  /** When a continued run (continue-as-new) must stop accepting retries, epoch ms. */
  acceptRetriesUntil?: number;
}

export type RetryKind = 'manual' | 'auto' | 'bulk';

export interface RetryRequest {
  /** Idempotency key: the same id is never applied twice. */
  retryId: string;
  kind: RetryKind;
  requestedBy: string;
  requestedAt: string;
  /** A SUCCESS log is re-sent only with force. */
  force?: boolean;
}

export interface RetryResult {
  retryId: string;
  logId: string;
  status: LogStatus;
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
      /** The send as one attempt (finalizeLog records it): when, how long, and the ACK code or socket error. */
      attempt?: AttemptRecord;
    }
  | { kind: 'vendor-callback'; status: 'SUCCESS' | 'FAIL'; message?: string; body?: string; receivedAt: string }
  | { kind: 'error'; errorMessage: string; request?: RecordedRequest };

/**
 * What a dispatch activity returns now: its request and response bodies (the payload with patient
 * data, a GET's query string, the HL7 message, the partner's answer) stay in the log store, under
 * `storedAs` in `delivery_dispatches`; history keeps only what the workflow and a reader need.
 * finalizeLog reads the full outcome back. Histories written before this change carry the full
 * `DeliveryOutcome` instead, which finalizeLog still takes; so does an outcome the log store
 * could not take when it was down (a send is never repeated to park its bodies).
 */
export interface StoredDispatch {
  kind: 'http' | 'mirth';
  storedAs: string;
  statusCode?: number;
  /** Mirth: the ACK code (AA, AE, AR), and whether the message was handed over. */
  ackCode?: string;
  status?: 'SUCCESS' | 'FAIL';
  sentToMirth?: boolean;
  responseTimeMs: number;
  awaitingCallback?: boolean;
  callbackTimeoutMs?: number;
}

/** A dispatch activity's result: a stored one, or (old histories, log store down) the full outcome. */
export type DispatchResult = DeliveryOutcome | StoredDispatch;

export const isStoredDispatch = (outcome: DispatchResult): outcome is StoredDispatch => 'storedAs' in outcome && typeof outcome.storedAs === 'string';

/**
 * What a dispatch that records its own outcome returns (the event workflow's dispatch): the status
 * it wrote to the log, and whether an async vendor's answer is awaited; or, when the log store did
 * not take the write, the outcome itself for the workflow to write (finalizeLog) once it does.
 */
export type DispatchReport =
  | {
      recorded: true;
      status: LogStatus;
      awaitingCallback?: true;
      callbackTimeoutMs?: number;
      /** Not sent, or a failed probe: the endpoint is paused and the log waits (QUEUED) for its turn again. */
      held?: true;
    }
  | { recorded: false; outcome: DeliveryOutcome };

/** How an event workflow's run began: the event's first delivery, or reopened by a retry of one of its logs after it closed. */
export interface EventRun {
  retriesOnly?: true;
}

export interface VendorCallback {
  /** The log it answers: an event workflow waits for several; a `delivery-<logId>` run ignores it. Absent in old histories. */
  logId?: string;
  status: 'SUCCESS' | 'FAIL';
  message?: string;
  body?: string;
  receivedAt: string;
}

export interface DeliveryState {
  logId: string;
  phase: 'creating-log' | 'waiting-for-endpoint' | 'dispatching' | 'awaiting-callback' | 'finalizing' | 'accepting-retries' | 'done';
  status: LogStatus;
  retries: number;
}

export interface DeliveryResult {
  logId: string;
  status: LogStatus;
}
