import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Webhook } from 'standardwebhooks';
import { request, type Dispatcher } from 'undici';
import { redactHeaders } from './redact';
import { createTargetGuardedAgent } from '../../src/net/guarded-connect';
import { BlockedTargetError } from '../../src/net/target-guard';
import type { AttemptRecord } from '../../src/logstore/log-document';

export interface WebhookDispatchInput {
  logId: string;
  url: string;
  /** GET: payload as query string (flat keys; nested values JSON-encoded); POST: JSON body. */
  method: 'GET' | 'POST';
  payload: Record<string, unknown>;
  /** Sent as x-api-key. */
  apiKey?: string;
  /**
   * Standard Webhooks secrets ('whsec_…' base64); when any is set, webhook-id, webhook-timestamp
   * and webhook-signature are sent, the signature header carrying one `v1,<sig>` per secret,
   * space-separated (the current secret first, then one being rotated out): a partner verifying
   * with either secret accepts the webhook.
   */
  signingSecrets?: readonly string[];
  timeoutMs: number;
  /**
   * The retry policy the workflow gives this activity (from the delivery's settings): the last
   * attempt returns its outcome instead of throwing, and a retryable failure asks for its backoff.
   */
  retry: WebhookRetryPolicy;
}

export interface WebhookRetryPolicy {
  maxAttempts: number;
  /** Exponential backoff base, with full jitter. */
  baseDelayMs: number;
  /** Backoff cap; a Retry-After answer is clamped to [baseDelayMs, maxDelayMs]. */
  maxDelayMs: number;
}

/** One attempt as it is recorded on the log: the log document's own attempt shape. */
export type WebhookAttempt = AttemptRecord;

export interface WebhookOutcome {
  /** Headers redacted. */
  request: { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body?: string };
  statusCode?: number;
  responseBody?: string;
  responseHeaders?: Record<string, string>;
  responseTimeMs: number;
  /** Set when there was no HTTP answer: 'No response' on timeout, the BlockedTargetError message, or the network error text. */
  errorMessage?: string;
  attempt: WebhookAttempt;
}

export interface WebhookActivityDeps {
  recordAttempt(logId: string, attempt: WebhookAttempt): Promise<void>;
  /** CIDRs exempt from the private-address guard, e.g. ['127.0.0.0/8', '::1/128'] for local development. */
  allowedNetworks: string[];
  /** Response body read limit; default 64 KiB. */
  maxBodyBytes?: number;
}

export interface WebhookActivities {
  dispatchWebhook(input: WebhookDispatchInput): Promise<WebhookOutcome>;
}

/** The owner (the worker) closes the HTTP agent on shutdown. */
export interface WebhookActivitiesHandle extends WebhookActivities {
  close(): Promise<void>;
}

/** ApplicationFailure type thrown for answers Temporal should retry (5xx, network errors, timeouts). */
export const WEBHOOK_RETRYABLE_ERROR = 'WebhookRetryableError';
export const NO_RESPONSE = 'No response';
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const USER_AGENT = 'Labwire-Webhooks/1';

type Answer =
  | { kind: 'http'; statusCode: number; headers: Record<string, string>; body: string }
  | { kind: 'none'; error: string; retryable: boolean }
  | { kind: 'cancelled'; error: string; reason: unknown };

/**
 * One HTTP agent per factory, so connections are pooled across deliveries. `close` is
 * non-enumerable: spreading the result into a Worker's activities registers only
 * `dispatchWebhook`, while the owner keeps the handle to close the agent.
 */
export function createWebhookActivities(deps: WebhookActivityDeps): WebhookActivitiesHandle {
  const agent = createTargetGuardedAgent(deps.allowedNetworks);
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  async function dispatchWebhook(input: WebhookDispatchInput): Promise<WebhookOutcome> {
    const attempt = currentAttempt();
    const outgoing = buildWebhookRequest(input, new Date());
    const at = new Date().toISOString();
    const started = performance.now();
    const answer = await send(agent, outgoing, input.timeoutMs, maxBodyBytes);
    const latencyMs = Math.round(performance.now() - started);

    const requestHeaders = redactHeaders(outgoing.headers);
    const record: WebhookAttempt =
      answer.kind === 'http'
        ? { attempt, at, statusCode: answer.statusCode, latencyMs, requestHeaders, responseHeaders: redactHeaders(answer.headers) }
        : { attempt, at, latencyMs, error: answer.error, requestHeaders };
    // Worker shutdown or a cancelled workflow: Temporal must see its own cancellation, not a delivery failure.
    if (answer.kind === 'cancelled') {
      await deps.recordAttempt(input.logId, record);
      throw answer.reason;
    }

    const retryable = answer.kind === 'http' ? answer.statusCode >= 500 : answer.retryable;
    if (retryable && attempt < input.retry.maxAttempts) {
      // An attempt Temporal retries is recorded now; the last one goes with the outcome (finalize adds it).
      await deps.recordAttempt(input.logId, record);
      const retryAfter = answer.kind === 'http' ? answer.headers['retry-after'] : undefined;
      throw ApplicationFailure.create({
        type: WEBHOOK_RETRYABLE_ERROR,
        // Host only: a GET's query string carries the payload (patient data) and Temporal history keeps this message.
        message: answer.kind === 'http' ? `HTTP ${answer.statusCode} from ${new URL(outgoing.url).host}` : answer.error,
        nextRetryDelay: nextRetryDelayMs(attempt, input.retry, retryAfter),
      });
    }
    return {
      request: { method: input.method, url: outgoing.url, headers: requestHeaders, body: outgoing.body },
      ...(answer.kind === 'http'
        ? { statusCode: answer.statusCode, responseBody: answer.body, responseHeaders: record.responseHeaders }
        : { errorMessage: answer.error }),
      responseTimeMs: latencyMs,
      attempt: record,
    };
  }

  const handle = { dispatchWebhook } as WebhookActivitiesHandle;
  Object.defineProperty(handle, 'close', { value: () => agent.close(), enumerable: false });
  return handle;
}

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** The request exactly as it is sent (a preview shows it with its secret headers redacted). */
export function buildWebhookRequest(input: Omit<WebhookDispatchInput, 'timeoutMs' | 'retry'>, now: Date): OutgoingRequest {
  const url = new URL(input.url);
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'idempotency-key': input.logId };
  let body: string | undefined;
  if (input.method === 'POST') {
    body = JSON.stringify(input.payload);
    headers['content-type'] = 'application/json';
  } else {
    for (const [name, value] of Object.entries(input.payload)) {
      if (value !== undefined) url.searchParams.append(name, typeof value === 'string' ? value : JSON.stringify(value));
    }
  }
  if (input.apiKey !== undefined) headers['x-api-key'] = input.apiKey;
  if (input.signingSecrets !== undefined && input.signingSecrets.length > 0) {
    // A GET has no body, so the signed content is the query string exactly as it appears
    // in the request line (without the '?'): a partner verifies it with
    // webhook.verify(rawQueryString, headers, { jsonParse: false }). For POST it is the exact JSON body sent.
    const signed = body ?? url.search.slice(1);
    headers['webhook-id'] = input.logId;
    headers['webhook-timestamp'] = String(Math.floor(now.getTime() / 1000));
    headers['webhook-signature'] = input.signingSecrets.map((secret) => new Webhook(secret).sign(input.logId, now, signed)).join(' ');
  }
  return { url: url.toString(), headers, body };
}

async function send(agent: Dispatcher, outgoing: OutgoingRequest, timeoutMs: number, maxBodyBytes: number): Promise<Answer> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const cancellation = currentCancellationSignal();
  const signal = cancellation === undefined ? timeout : AbortSignal.any([timeout, cancellation]);
  try {
    const response = await request(outgoing.url, {
      dispatcher: agent,
      method: outgoing.body === undefined ? 'GET' : 'POST',
      headers: outgoing.headers,
      body: outgoing.body,
      signal,
    });
    const headers = flattenHeaders(response.headers);
    const body = await readBounded(response.body, maxBodyBytes, headers['content-length']);
    return { kind: 'http', statusCode: response.statusCode, headers, body };
  } catch (error) {
    if (cancellation?.aborted === true && !timeout.aborted) return { kind: 'cancelled', error: 'Cancelled', reason: cancellation.reason };
    if (timeout.aborted) return { kind: 'none', error: NO_RESPONSE, retryable: true };
    if (error instanceof BlockedTargetError) return { kind: 'none', error: error.message, retryable: false };
    return { kind: 'none', error: describeNetworkError(error), retryable: true };
  }
}

/** Keeps the first maxBodyBytes; the rest is counted (or taken from content-length) so the marker says how much was dropped. */
async function readBounded(body: AsyncIterable<Buffer>, maxBodyBytes: number, contentLength?: string): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let droppedBytes = 0;
  const declaredLength = contentLength !== undefined && /^\d+$/.test(contentLength) ? Number(contentLength) : undefined;
  for await (const chunk of body) {
    const room = maxBodyBytes - keptBytes;
    if (room > 0) {
      kept.push(chunk.subarray(0, room));
      keptBytes += Math.min(room, chunk.length);
    }
    droppedBytes += Math.max(0, chunk.length - Math.max(room, 0));
    // With a declared length there is no need to download bytes that will be thrown away;
    // leaving the loop destroys the stream.
    if (droppedBytes > 0 && declaredLength !== undefined) {
      droppedBytes = declaredLength - keptBytes;
      break;
    }
  }
  const text = Buffer.concat(kept).toString('utf8');
  return droppedBytes > 0 ? `${text}…[truncated ${droppedBytes} bytes]` : text;
}

/**
 * Full-jitter exponential backoff spreads retries of a failing partner apart; a partner's
 * Retry-After wins but is clamped so it can neither hammer nor stall the delivery.
 */
export function nextRetryDelayMs(
  attempt: number,
  policy: Pick<WebhookRetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  retryAfter?: string,
  now: Date = new Date(),
): number {
  const { baseDelayMs: base, maxDelayMs: max } = policy;
  const requested = parseRetryAfterMs(retryAfter, now);
  if (requested !== undefined) return Math.min(max, Math.max(base, requested));
  const ceiling = Math.min(max, base * 2 ** (attempt - 1));
  return Math.max(1, Math.round(Math.random() * ceiling));
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : date - now.getTime();
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * Errors raised inside Node's own socket code may come from another realm (a jest VM,
 * for one), so they are read by shape rather than instanceof. Happy-eyeballs connects
 * fail with an AggregateError whose own message is empty: its inner messages are used.
 */
function describeNetworkError(error: unknown): string {
  const inner = isRecord(error) && Array.isArray(error.errors) ? (error.errors as unknown[]) : [];
  const message = isRecord(error) && typeof error.message === 'string' ? error.message : String(error);
  if (message !== '' || inner.length === 0) return message;
  return [...new Set(inner.map(describeNetworkError))].join('; ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Outside a Temporal activity (benchmarks, scripts) every call counts as a first attempt. */
function currentAttempt(): number {
  return activityContext()?.info.attempt ?? 1;
}

function currentCancellationSignal(): AbortSignal | undefined {
  return activityContext()?.cancellationSignal;
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
