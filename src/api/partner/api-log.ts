import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { redactHeaders } from '../../../activities/webhook/redact';
import type { DeliveryLogs } from '../../logstore/delivery-logs';
import type { LogDocument } from '../../logstore/log-document';
import { truncateBody, truncateHeaders } from '../../logstore/truncate';
import { partnerRefusedCallsTotal } from '../../metrics';
import { clientAddress } from './client-address';
import type { Partner } from './partner-auth';
import { RefusedCallSample } from './refused-call-sample';

/** How much of a call its log keeps (an accepted call: bodies up to MAX_BODY_BYTES, URL and headers whole). */
interface Kept {
  bodyBytes: number;
  urlBytes: number;
  headerBytes: number;
}

/**
 * A refused call's log is a sample of many alike: a little of it says enough. Without a cap a
 * caller with no key could have each sampled document hold ~16 KB of headers and URL.
 */
const REFUSED_CALL_KEPT: Kept = { bodyBytes: 2_000, urlBytes: 500, headerBytes: 2_000 };

function headersOf(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v]])));
}

/**
 * Refused: no verified key (401 unknown key, 403 disabled integration, 429 over the address
 * limit), or over the key's own limit (429). Such calls cost the caller nothing, so they are
 * counted, and only sampled into the log store.
 */
function isRefused(res: Response): boolean {
  return res.locals.partner === undefined || res.statusCode === 429;
}

/**
 * SPEC §6: every inbound call — authenticated or not — becomes an `API` log; refused calls are
 * counted and at most one per address per minute, and REFUSED_CALLS_LOGGED_PER_MINUTE in all,
 * is logged (see RefusedCallSample), cut to REFUSED_CALL_KEPT. Written after the response;
 * neither a log-store failure nor a document that cannot be built (an unserialisable body)
 * fails the partner's call or reaches the process.
 */
export function apiLogRecorder(logs: DeliveryLogs, logger: Logger, maxBodyBytes: number): RequestHandler {
  const refusedSample = new RefusedCallSample();
  const accepted: Kept = { bodyBytes: maxBodyBytes, urlBytes: Infinity, headerBytes: Infinity };
  return (req, res, next) => {
    const startedAt = Date.now();
    let responseBody: string | undefined;
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      responseBody = JSON.stringify(body);
      return json(body);
    };
    res.once('finish', () => {
      try {
        let kept = accepted;
        if (isRefused(res)) {
          partnerRefusedCallsTotal.inc({ status: String(res.statusCode) });
          if (!refusedSample.admit(clientAddress(req))) return;
          kept = REFUSED_CALL_KEPT;
        }
        const doc = apiLogDocument(req, res, { responseBody, kept, responseTime: Date.now() - startedAt });
        logs.insertApiLog(doc).catch((error: unknown) => logger.warn({ err: error, endpoint: doc.endpoint }, 'could not record an API log'));
      } catch (error) {
        logger.warn({ err: error, endpoint: `${req.baseUrl}${req.path}` }, 'could not build an API log');
      }
    });
    next();
  };
}

/** A verified key is named in its log by its visible prefix (`Bearer lw_AbCdEfGhI…`); any other stays redacted. */
function keyNamedByPrefix(headers: Record<string, string>, partner: Partner | undefined): Record<string, string> {
  return partner && headers.authorization !== undefined ? { ...headers, authorization: `Bearer ${partner.authKeyPrefix}…` } : headers;
}

function apiLogDocument(req: Request, res: Response, call: { responseBody: string | undefined; kept: Kept; responseTime: number }): LogDocument {
  const { responseBody, kept } = call;
  const { bodyBytes } = kept;
  // A refused call to a made-up path has no route: its path is the client's, as long as it likes.
  const cut = (text: string) => truncateBody(text, kept.urlBytes) ?? '';
  const partner = res.locals.partner as Partner | undefined;
  const now = new Date();
  return {
    _id: randomUUID().replace(/-/g, '').slice(0, 24),
    type: 'API',
    endpoint: cut(`${req.baseUrl}${req.path}`),
    lab_id: partner?.labId ?? null,
    org_id: partner?.orgId ?? null,
    developer_id: partner?.developerId ?? null,
    developer_name: partner?.developerName ?? null,
    auth_id: partner?.authId ?? null,
    lab_integration_id: null,
    action_category_id: null,
    operation: cut(`${req.method} ${req.baseUrl}${req.route ? String((req.route as { path: string }).path) : req.path}`),
    integration_type: null,
    status: res.statusCode >= 200 && res.statusCode < 300 ? 'SUCCESS' : 'FAIL',
    error_message: res.statusCode >= 400 ? (truncateBody(responseBody, 2_000) ?? `HTTP ${res.statusCode}`) : null,
    request: {
      method: req.method,
      url: cut(req.originalUrl),
      headers: truncateHeaders(keyNamedByPrefix(redactHeaders(headersOf(req.headers)), partner), kept.headerBytes),
      body: req.body === undefined ? undefined : (truncateBody(JSON.stringify(req.body), bodyBytes) ?? undefined),
    },
    response_body: truncateBody(responseBody, bodyBytes),
    response_status_code: res.statusCode,
    response_time: call.responseTime,
    fusion_log: null,
    sent_to_mirth: false,
    retry_count: 0,
    auto_retry_count: 0,
    triggered_by_py3: false,
    origin: null,
    retry_context: null,
    workflow_id: null,
    run_id: null,
    event_id: null,
    inserted_at: now,
    activity_date: now,
    updated_at: now,
    attempts: [],
  };
}
