import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { redactHeaders } from '../../../activities/webhook/redact';
import type { DeliveryLogs } from '../../logstore/delivery-logs';
import type { LogDocument } from '../../logstore/log-document';
import { truncateBody } from '../../logstore/truncate';
import type { Partner } from './partner-auth';

function headersOf(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v]])));
}

/**
 * SPEC §6: every inbound call — authenticated or not — becomes an `API` log. Written after the
 * response, and a log-store failure is only reported: logging never fails the partner's call.
 */
export function apiLogRecorder(logs: DeliveryLogs, logger: Logger, maxBodyBytes: number): RequestHandler {
  return (req, res, next) => {
    const startedAt = Date.now();
    let responseBody: string | undefined;
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      responseBody = JSON.stringify(body);
      return json(body);
    };
    res.once('finish', () => {
      const partner = res.locals.partner as Partner | undefined;
      const now = new Date();
      const doc: LogDocument = {
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
          body: req.body === undefined ? undefined : (truncateBody(JSON.stringify(req.body), maxBodyBytes) ?? undefined),
        },
        response_body: truncateBody(responseBody, maxBodyBytes),
        response_status_code: res.statusCode,
        response_time: Date.now() - startedAt,
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
      logs.insertApiLog(doc).catch((error: unknown) => logger.warn({ err: error, endpoint: doc.endpoint }, 'could not record an API log'));
    });
    next();
  };
}
