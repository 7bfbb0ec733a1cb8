import type { ConfigDb } from '../db/config-store';
import { labScopeOf } from '../auth/lab-scope';
import { endpointHealth, FAILING_IN_A_ROW, FAILING_MIN_DELIVERIES, DEGRADED_BELOW } from '../endpoints/endpoint-health';
import { knownParameters, queryId } from '../logstore/log-filter';
import { defineRoute, type ApiRoute } from './route';

const endpointsQuery = knownParameters({ labId: queryId, developerId: queryId });

/** Where deliveries go and how each place is doing (issue 13): the Endpoints page. */
export function endpointRoutes(db: ConfigDb): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/endpoints',
      access: 'viewer',
      tag: 'Endpoints',
      summary: 'Health of every endpoint with deliveries in the last day (within your labs), worst first; filter by labId and developerId',
      query: endpointsQuery,
      responses: {
        200:
          '{ generatedAt, items }. An item is one endpoint: `endpoint` (the webhook URL\'s host[:port], or a Mirth peer\'s host:port, as the logs name it) and `integrationType`; ' +
          '`lastHour` and `lastDay` (deliveries made in the window: deliveries, success, fail, queued, successRate = success / (success + fail) or null, p50Ms, p95Ms of the final ones); ' +
          '`consecutiveFailures` (final failures since the last success, counted within the last day), `lastSuccessAt` (however old), `lastFailure` { logId, at, errorMessage }; ' +
          '`developers`, `labIds`, `authIds` of the last day\'s deliveries; and `health`: ' +
          `failing (${FAILING_IN_A_ROW} final failures in a row, or at least half of at least ${FAILING_MIN_DELIVERIES} final deliveries of the last hour), ` +
          `degraded (a failure since the last success, or the last hour's success rate below ${DEGRADED_BELOW * 100} %), healthy, or idle (nothing in the last hour). ` +
          'Test deliveries (Send a test) and suppressed logs are not counted. GET /api/logs?endpoint=…&status=FAIL lists an endpoint\'s errors.',
      },
      async handle({ query, session }) {
        const filter = { ...(query.labId === undefined ? {} : { labId: query.labId }), ...(query.developerId === undefined ? {} : { developerId: query.developerId }) };
        const now = new Date();
        return { generatedAt: now.toISOString(), items: await endpointHealth(db, labScopeOf(session.user), filter, now) };
      },
    }),
  ];
}
