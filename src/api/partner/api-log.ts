import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Logger } from 'pino';
import { redactHeaders } from '../../../activities/webhook/redact';
import type { DeliveryLogs } from '../../logstore/delivery-logs';
import type { LogDocument } from '../../logstore/log-document';
import { truncateBody } from '../../logstore/truncate';
import { partnerRefusedCallsTotal } from '../../metrics';
import type { Partner } from './partner-auth';
import { RefusedCallSample } from './refused-call-sample';

/** A refused call's log is a sample of many alike: a little of its body says enough. */
const REFUSED_CALL_BODY_BYTES = 2_000;

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
 * counted and at most one per address per minute is logged (see RefusedCallSample). Written
 * after the response; neither a log-store failure nor a document that cannot be built (an
 * unserialisable body) fails the partner's call or reaches the process.
 */
export function apiLogRecorder(logs: DeliveryLogs, logger: Logger, maxBodyBytes: number): RequestHandler {
  const refusedSample = new RefusedCallSample(60_000);
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
        let bodyBytes = maxBodyBytes;
        if (isRefused(res)) {
          partnerRefusedCallsTotal.inc({ status: String(res.statusCode) });
          if (!refusedSample.admit(ipKeyGenerator(req.ip ?? 'unknown'))) return;
          bodyBytes = REFUSED_CALL_BODY_BYTES;
        }
        const doc = apiLogDocument(req, res, { responseBody, bodyBytes, responseTime: Date.now() - startedAt });
        logs.insertApiLog(doc).catch((error: unknown) => logger.warn({ err: error, endpoint: doc.endpoint }, 'could not record an API log'));
      } catch (error) {
        logger.warn({ err: error, endpoint: `${req.baseUrl}${req.path}` }, 'could not build an API log');
      }
    });
    next();
  };
}

function apiLogDocument(req: Request, res: Response, call: { responseBody: string | undefined; bodyBytes: number; responseTime: number }): LogDocument {
  const { responseBody, bodyBytes } = call;
  const partner = res.locals.partner as Partner | undefined;
  const now = new Date();
  return {
    _id: randomUUID().replace(/-/g, '').slice(0, 24),
    type: 'API',
    endpoint: `${req.baseUrl}${req.path}`,
    lab_id: partner?.labId ?? null,
    org_id: partner?.orgId ?? null,
    developer_id: partner?.developerId ?? null,
    developer_name: partner?.developerName ?? null,
    auth_id: partner?.authId ?? null,
    lab_integration_id: null,
    action_category_id: null,
    operation: `${req.method} ${req.baseUrl}${req.route ? String((req.route as { path: string }).path) : req.path}`,
    integration_type: null,
    status: res.statusCode >= 200 && res.statusCode < 300 ? 'SUCCESS' : 'FAIL',
    error_message: res.statusCode >= 400 ? (truncateBody(responseBody, 2_000) ?? `HTTP ${res.statusCode}`) : null,
    request: {
      method: req.method,
      url: req.originalUrl,
      headers: redactHeaders(headersOf(req.headers)),
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
