import { WorkflowNotFoundError } from '@temporalio/client';
import { inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Config } from '../config/schema';
import type { Role } from '../db/schema';
import { roleAllows } from '../auth/users';
import type { ConfigDb } from '../db/config-store';
import type { DeliveryLogs } from '../logstore/delivery-logs';
import { retryDelivery, type RetryDeps } from '../retries/retry-delivery';
import { summarizeHistory, temporalUiLink } from '../temporal/history-summary';
import { decodeHistory } from '../temporal/history-decode';
import { payloadCodecFor } from '../temporal/payload-codec';
import { labs } from '../db/schema';
import { logFilterQueryStringSchema, logListQueryStringSchema } from '../logstore/log-filter';
import { listLogs, logStats, type LogRow, type LogStats } from '../logstore/log-query';
import { shortCache } from './short-cache';
import { writeWhenRead } from './write-when-read';
import { HttpProblem } from './problem';
import { defineRoute, type ApiRoute } from './route';
import { NotFoundError } from '../errors';
import { logIdSchema } from '../validation';
import { labScopeDocumentFilter, labScopeOf, scopeIncludes, type LabScope } from '../auth/lab-scope';

const logIdParam = z.object({ id: logIdSchema }).strict();
const retryBody = z.object({ force: z.boolean({ error: 'expected true or false' }).default(false) }).strict();
const retryQuery = z.object({ wait: z.enum(['true', 'false']).optional() }).strict();
const stuckQuery = z.object({ olderThanMs: z.coerce.number({ error: 'expected a number of milliseconds' }).int().min(0).optional() }).strict();

/** One export is bounded: a larger set is exported in parts, by date range. */
export const EXPORT_MAX_ROWS = 100_000;

export type LogsRouteDeps = RetryDeps & { logs: DeliveryLogs; config: Config; db: ConfigDb };

/** One log with its retry history and Temporal history, and manual retries (SPEC §5, §7). */
export function logRoutes(deps: LogsRouteDeps): ApiRoute[] {
  const { uiUrl, namespace } = deps.config.temporal;
  const codec = payloadCodecFor(deps.config.temporal.payloadKeys);
  /**
   * Payloads are encrypted in Temporal. The timeline shows them decoded, as the codec endpoint would,
   * to the roles TEMPORAL_CODEC_ROLE allows (each such answer is a `temporal_codec.decode` audit
   * row) and never once the log's bodies were removed; otherwise it shows the steps without values.
   */
  const timelineDecodes = (role: Role, log: { bodies_removed_at?: Date }) => roleAllows(role, deps.config.temporal.codecRole) && !log.bodies_removed_at;
  /** A log of another lab is answered as one that does not exist: ids are not confirmed. */
  const mustGet = async (id: string, scope: LabScope) => {
    const log = await deps.logs.get(id);
    if (!log || !scopeIncludes(scope, log.lab_id)) throw new NotFoundError('id', `log ${id} does not exist`);
    return log;
  };
  // Stats over a wide filter cost up to ~0.4 s at a million logs; every open dashboard asks again on
  // each live change. One computation per filter per second is plenty.
  const statsCache = shortCache<LogStats>(1_000);
  const withLabNames = async (rows: LogRow[]) => {
    const ids = [...new Set(rows.map((row) => row.lab_id).filter((id): id is number => id !== null))];
    const names = new Map((ids.length === 0 ? [] : await deps.db.select({ id: labs.id, name: labs.name }).from(labs).where(inArray(labs.id, ids))).map((lab) => [lab.id, lab.name]));
    return rows.map((row) => ({ ...row, lab_name: row.lab_id === null ? null : (names.get(row.lab_id) ?? null) }));
  };
  return [
    defineRoute({
      method: 'get',
      path: '/logs',
      access: 'viewer',
      tag: 'Logs',
      summary: 'Logs matching a filter, newest first, one page at a time (pass nextCursor as cursor for the next)',
      query: logListQueryStringSchema,
      responses: {
        200: "{ items, nextCursor }. A delivery's row names its `endpoint` (the webhook URL's host[:port], never its path or query; a Mirth peer's host:port; null when unknown), `lab_integration_id` and `auth_id`; an API log's row the path called as `endpoint` and the calling key's `auth_id`",
      },
      async handle({ query, session }) {
        const page = await listLogs(deps.db, labScopeOf(session.user), query.filter, { limit: query.limit, cursor: query.cursor });
        return { items: await withLabNames(page.items), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/logs/stats',
      access: 'viewer',
      tag: 'Logs',
      summary: 'Counts by status, success rate, response time p50/p95 and a time series, for the same filter as the list',
      query: logFilterQueryStringSchema,
      responses: { 200: 'The figures' },
      async handle({ query, session }) {
        const scope = labScopeOf(session.user);
        // The scope is part of the key: figures of every lab must never answer a limited user.
        return statsCache(JSON.stringify([scope, query]), () => logStats(deps.db, scope, query));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/logs/export',
      access: 'viewer',
      tag: 'Logs',
      summary: `Every log of a filter (the list's columns, no bodies) as JSON lines, newest first, at most ${EXPORT_MAX_ROWS} rows; only logs of the caller's labs`,
      query: logFilterQueryStringSchema,
      produces: 'application/x-ndjson',
      responses: { 200: 'One log row per line' },
      async handle({ query, res, session }) {
        const scope = labScopeOf(session.user);
        res.status(200).type('application/x-ndjson');
        res.setHeader('content-disposition', `attachment; filename="labwire-logs-${new Date().toISOString().slice(0, 10)}.jsonl"`);
        let cursor: string | undefined;
        for (let written = 0; written < EXPORT_MAX_ROWS; ) {
          const page = await listLogs(deps.db, scope, query, { limit: 200, ...(cursor === undefined ? {} : { cursor }) });
          const rows = await withLabNames(page.items.slice(0, EXPORT_MAX_ROWS - written));
          if (rows.length > 0) await writeWhenRead(res, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
          written += rows.length;
          if (!page.nextCursor || res.destroyed) break;
          cursor = page.nextCursor;
        }
        res.end();
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/logs/stuck',
      access: 'viewer',
      tag: 'Logs',
      summary: 'Webhook logs QUEUED for longer than a threshold: reported, not retried (SPEC §5)',
      query: stuckQuery,
      responses: { 200: 'Stuck logs, oldest first' },
      async handle({ query, session }) {
        const threshold = query.olderThanMs ?? deps.config.sweep.mirthQueuedAfterMs;
        const inScope = labScopeDocumentFilter(labScopeOf(session.user));
        const stuck = await deps.logs.stuckQueued(new Date(Date.now() - threshold), inScope, 500);
        return { olderThanMs: threshold, count: stuck.length, logs: stuck };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/logs/:id',
      access: 'viewer',
      tag: 'Logs',
      summary: 'One log: every field of SPEC §4 (request and response bodies too: each answer is recorded in the audit trail as log.view_bodies), its retry history and a link to its workflow in the Temporal Web UI',
      params: logIdParam,
      responses: {
        200:
          "The log. Once LOG_BODY_RETENTION_DAYS have passed since its last write, its bodies are removed: `request.body` and the query string of `request.url` are gone, `response_body` is null, an `error_message` that was the partner's answer reads `HTTP <code>` (or says it was removed), the retry records' error texts likewise; `bodies_removed_at` (ISO 8601) and `body_retention_days` say when and under which limit. Everything else stays.",
        404: 'No such log',
      },
      async handle({ params, session, audit }) {
        const { retry_ids: _applied, ...shown } = await mustGet(params.id, labScopeOf(session.user));
        // The bodies are in this answer: recorded before they leave, so no answer goes unrecorded.
        await audit({ action: 'log.view_bodies', target: { type: 'log', id: params.id } });
        return {
          ...shown,
          retries: await deps.logs.history(params.id),
          temporalUrl: shown.workflow_id ? temporalUiLink(uiUrl, namespace, shown.workflow_id, shown.run_id) : null,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/logs/:id/history',
      access: 'viewer',
      tag: 'Logs',
      summary:
        "The Temporal event history of the log's workflow (its event's, which holds every delivery of the event; the latest run, so a retry shows), one line per step. Each step's values (`details`, decrypted) only for roles TEMPORAL_CODEC_ROLE allows — such an answer is recorded in the audit trail as temporal_codec.decode — and not once the log's bodies were removed",
      params: logIdParam,
      responses: { 200: 'The timeline', 404: 'No such log, or its workflow history is gone' },
      async handle({ params, session, audit }) {
        const log = await mustGet(params.id, labScopeOf(session.user));
        if (!log.workflow_id) throw new HttpProblem(404, 'Not Found', `id: log ${params.id} has no workflow (an API log)`);
        const handle = deps.temporal.workflow.getHandle(log.workflow_id);
        try {
          const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
          const events = history.events ?? [];
          const decode = timelineDecodes(session.user.role, log);
          if (decode) await decodeHistory(codec, events);
          const steps = summarizeHistory(events).map((step) => (decode ? step : { ...step, details: undefined }));
          if (decode) await audit({ action: 'temporal_codec.decode', target: { type: 'log', id: params.id }, detail: { via: 'timeline', events: events.length } });
          return {
            workflowId: log.workflow_id,
            runId: description.runId,
            status: description.status.name,
            temporalUrl: temporalUiLink(uiUrl, namespace, log.workflow_id, description.runId),
            events: steps,
          };
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) {
            throw new HttpProblem(404, 'Not Found', `id: the workflow ${log.workflow_id} of log ${params.id} is past Temporal's retention; its history is gone`);
          }
          throw error;
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/logs/:id/retry',
      access: 'operator',
      tag: 'Logs',
      summary: 'Retry one log with fresh data; ?wait=true answers with the outcome',
      params: logIdParam,
      query: retryQuery,
      body: retryBody,
      responses: { 200: 'Retried (wait=true): the outcome', 202: 'Accepted', 404: 'No such log', 409: 'Already running, or SUCCESS without force' },
      async handle({ params, query, body, res, session, audit }) {
        await mustGet(params.id, labScopeOf(session.user));
        const wait = query.wait === 'true';
        // Recorded once the workflow accepted it: a retry whose outcome is never awaited is still in the trail.
        const onAccepted = (retryId: string) => audit({ action: 'log.retry', target: { type: 'log', id: params.id }, detail: { retryId, force: body.force } });
        const answer = await retryDelivery(deps, params.id, { kind: 'manual', requestedBy: session.user.username, force: body.force, wait, onAccepted });
        // Without wait the answer is 202 even when a fast retry's outcome is already in it.
        res.status(wait ? 200 : 202);
        return answer;
      },
    }),
  ];
}
