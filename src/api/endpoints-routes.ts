import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../config/schema';
import type { ConfigDb } from '../db/config-store';
import { logIndex } from '../db/schema';
import { labScopeCondition, labScopeOf, scopeIncludes, type LabScope } from '../auth/lab-scope';
import { listAlerts } from '../endpoints/alerts';
import { endpointHealth, FAILING_IN_A_ROW, FAILING_MIN_DELIVERIES, DEGRADED_BELOW, type EndpointHealth } from '../endpoints/endpoint-health';
import { controlEndpointFlow } from '../endpoints/endpoint-flow-client';
import { endpointStateRow, endpointStateRows, labsDeliveringTo, type EndpointStateRow } from '../endpoints/endpoint-states';
import { knownParameters, queryId } from '../logstore/log-filter';
import { HttpProblem } from './problem';
import { defineRoute, type ApiRoute } from './route';

const endpointsQuery = knownParameters({ labId: queryId, developerId: queryId });
const endpointName = z.string().trim().min(1, 'expected a host[:port] as GET /api/endpoints names it').max(300, 'expected at most 300 characters').regex(/^[A-Za-z0-9.\-[\]:]+$/, 'expected a host[:port] as GET /api/endpoints names it');
const reason = z.string().trim().min(3, 'say why, in at least 3 characters').max(500, 'expected at most 500 characters');
const controlBody = z.object({ endpoint: endpointName, reason }).strict();
const skipBody = z.object({ endpoint: endpointName, logId: z.string().regex(/^[0-9a-f]{24}$/, 'expected a 24-character log id') }).strict();
const alertsQuery = knownParameters({
  limit: z.preprocess((v) => (v === undefined ? undefined : Number(v)), z.number({ error: 'expected a whole number from 1 to 200' }).int().min(1).max(200).default(50)),
  before: queryId,
  endpoint: endpointName.optional(),
});

/** An endpoint's recorded flow state, as the Endpoints page shows it. */
export interface EndpointFlowAnswer {
  paused: boolean;
  pausedAt: string | null;
  pausedBy: string | null;
  pausedReason: string | null;
  nextProbeAt: string | null;
  resumedAt: string | null;
  resumedBy: string | null;
  resumedReason: string | null;
}

const flowState = (row: EndpointStateRow | undefined): EndpointFlowAnswer => ({
  paused: row?.pausedAt != null,
  pausedAt: row?.pausedAt?.toISOString() ?? null,
  pausedBy: row?.pausedBy ?? null,
  pausedReason: row?.pausedReason ?? null,
  nextProbeAt: row?.pausedAt ? (row.nextProbeAt?.toISOString() ?? null) : null,
  resumedAt: row?.resumedAt?.toISOString() ?? null,
  resumedBy: row?.resumedBy ?? null,
  resumedReason: row?.resumedReason ?? null,
});

const noDeliveries = { deliveries: 0, success: 0, fail: 0, queued: 0, successRate: null, p50Ms: null, p95Ms: null };

/** A paused endpoint with no delivery in the last day: no figures, its state only. */
function quietEndpoint(endpoint: string, labIds: number[]): EndpointHealth {
  return { endpoint, integrationType: '', health: 'idle', lastHour: noDeliveries, lastDay: noDeliveries, consecutiveFailures: 0, lastSuccessAt: null, lastFailure: null, developers: [], labIds, authIds: [] };
}

export interface EndpointRouteDeps {
  db: ConfigDb;
  temporal: Client;
  config: Config;
}

/** Where deliveries go and how each place is doing (issue 13): the Endpoints page, its pause and resume, and the Alerts list. */
export function endpointRoutes({ db, temporal, config }: EndpointRouteDeps): ApiRoute[] {
  /**
   * The labs whose deliveries of the last day went to the endpoint (its alerts' recipients and
   * streams). A lab-scoped operator acts only on an endpoint their labs delivered to (else 404).
   */
  const labsOf = async (endpoint: string, scope: LabScope): Promise<number[]> => {
    if (!scope.all) {
      const [row] = await db.select({ one: sql`1` }).from(logIndex).where(and(eq(logIndex.endpoint, endpoint), labScopeCondition(scope, logIndex.labId))).limit(1);
      if (!row) throw new HttpProblem(404, 'Not Found', `No delivery of your labs went to ${endpoint}.`);
    }
    return labsDeliveringTo(db, endpoint);
  };

  /** An operator's pause or resume, with a reason: audited, then taken by the endpoint's flow workflow. */
  const controlRoute = (action: 'pause' | 'resume', doc: { summary: string; responses: Record<number, string> }) =>
    defineRoute({
      method: 'post',
      path: `/endpoints/${action}`,
      access: 'operator',
      tag: 'Endpoints',
      ...doc,
      body: controlBody,
      async handle({ body, res, session, audit }) {
        const labIds = await labsOf(body.endpoint, labScopeOf(session.user));
        if (action === 'resume' && !(await endpointStateRow(db, body.endpoint))?.pausedAt) throw new HttpProblem(409, 'Conflict', `Endpoint ${body.endpoint} is not paused.`);
        const by = session.user.username;
        await controlEndpointFlow(temporal, config, body.endpoint, action === 'pause' ? { action, by, reason: body.reason, labIds } : { action, by, reason: body.reason });
        await audit({ action: `endpoint.${action}`, target: { type: 'endpoint', id: body.endpoint }, detail: { reason: body.reason } });
        res.status(202);
        return { endpoint: body.endpoint, state: action === 'pause' ? 'pausing' : 'resuming' };
      },
    });

  return [
    defineRoute({
      method: 'get',
      path: '/endpoints',
      access: 'viewer',
      tag: 'Endpoints',
      summary: 'Health and flow state of every endpoint with deliveries in the last day, or paused (within your labs), worst first; filter by labId and developerId',
      query: endpointsQuery,
      responses: {
        200:
          '{ generatedAt, items }. An item is one endpoint: `endpoint` (the webhook URL\'s host[:port], or a Mirth peer\'s host:port, as the logs name it) and `integrationType`; ' +
          '`lastHour` and `lastDay` (deliveries made in the window: deliveries, success, fail, queued, successRate = success / (success + fail) or null, p50Ms, p95Ms of the final ones); ' +
          '`consecutiveFailures` (final failures since the last success, counted within the last day), `lastSuccessAt` (however old), `lastFailure` { logId, at, errorMessage }; ' +
          '`developers`, `labIds`, `authIds` of the last day\'s deliveries; `health`: ' +
          `failing (${FAILING_IN_A_ROW} final failures in a row, or at least half of at least ${FAILING_MIN_DELIVERIES} final deliveries of the last hour), ` +
          `degraded (a failure since the last success, or the last hour's success rate below ${DEGRADED_BELOW * 100} %), healthy, or idle (nothing in the last hour); ` +
          'and `flow` { paused, pausedAt, pausedBy (breaker or the operator), pausedReason, nextProbeAt (while paused by the breaker), resumedAt, resumedBy, resumedReason }. ' +
          'Test deliveries (Send a test) and suppressed logs are not counted. GET /api/logs?endpoint=…&status=FAIL lists an endpoint\'s errors; ?status=QUEUED its waiting deliveries, each with its reason.',
      },
      async handle({ query, session }) {
        const filter = { ...(query.labId === undefined ? {} : { labId: query.labId }), ...(query.developerId === undefined ? {} : { developerId: query.developerId }) };
        const now = new Date();
        const scope = labScopeOf(session.user);
        const health = await endpointHealth(db, scope, filter, now);
        const states = new Map((await endpointStateRows(db)).map((row) => [row.endpoint, row]));
        const listed = new Set(health.map((item) => item.endpoint));
        // A paused endpoint with no delivery in the last day is listed too (so it can be resumed), within the caller's labs and the lab filter.
        const quiet = [...states.values()].filter(
          (row) =>
            row.pausedAt &&
            !listed.has(row.endpoint) &&
            query.developerId === undefined &&
            (query.labId === undefined ? scope.all || row.labIds.some((labId) => scopeIncludes(scope, labId)) : row.labIds.includes(query.labId) && scopeIncludes(scope, query.labId)),
        );
        const items = [...health, ...quiet.map((row) => quietEndpoint(row.endpoint, row.labIds.filter((labId) => scopeIncludes(scope, labId))))]
          .map((item) => ({ ...item, flow: flowState(states.get(item.endpoint)) }))
          // A paused endpoint first: it holds deliveries back.
          .sort((a, b) => Number(b.flow.paused) - Number(a.flow.paused));
        return { generatedAt: now.toISOString(), items };
      },
    }),
    controlRoute('pause', {
      summary: 'Pause an endpoint by hand, with a reason: its new deliveries are pre-created QUEUED and wait (in Temporal) until it is resumed; no probes',
      responses: { 202: '{ endpoint, state: "pausing" }: the endpoint\'s flow workflow takes it; GET /api/endpoints shows it paused within a moment', 404: 'None of your labs delivered to it' },
    }),
    controlRoute('resume', {
      summary: 'Resume a paused endpoint (by hand or by the breaker), with a reason: its waiting deliveries go out oldest first, a bounded number at a time (ENDPOINT_RESUME_IN_FLIGHT)',
      responses: { 202: '{ endpoint, state: "resuming" }', 404: 'None of your labs delivered to it', 409: 'It is not paused' },
    }),
    defineRoute({
      method: 'post',
      path: '/endpoints/skip',
      access: 'operator',
      tag: 'Endpoints',
      summary: "Ordered delivery: let the later deliveries of a key go past a failed log that holds them (the log stays FAIL; retry it later if you like)",
      body: skipBody,
      responses: { 202: '{ endpoint, logId, state: "skipping" }', 404: 'None of your labs delivered to it, or the log is not one of your labs\' logs to it' },
      async handle({ body, res, session, audit }) {
        const scope = labScopeOf(session.user);
        await labsOf(body.endpoint, scope);
        // Only a log of the caller's labs that went to this endpoint.
        const [log] = await db
          .select({ id: logIndex.id })
          .from(logIndex)
          .where(and(eq(logIndex.id, body.logId), eq(logIndex.endpoint, body.endpoint), labScopeCondition(scope, logIndex.labId)));
        if (!log) throw new HttpProblem(404, 'Not Found', `No log ${body.logId} of your labs went to ${body.endpoint}.`);
        await controlEndpointFlow(temporal, config, body.endpoint, { action: 'skip', by: session.user.username, logId: body.logId });
        await audit({ action: 'endpoint.skip', target: { type: 'endpoint', id: body.endpoint }, detail: { logId: body.logId } });
        res.status(202);
        return { endpoint: body.endpoint, logId: body.logId, state: 'skipping' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/alerts',
      access: 'viewer',
      tag: 'Endpoints',
      summary: "Alerts sent about endpoints (paused, resumed), newest first, within your labs; page with before=<id of the last one>",
      query: alertsQuery,
      responses: { 200: '{ items }: id, endpoint, kind (paused | resumed), text, labIds, channels { webhook, email: sent | not configured | failed: … }, createdAt' },
      async handle({ query, session }) {
        return { items: await listAlerts(db, labScopeOf(session.user), { limit: query.limit, ...(query.before !== undefined ? { before: query.before } : {}), ...(query.endpoint ? { endpoint: query.endpoint } : {}) }) };
      },
    }),
  ];
}
