import type { Config } from '../src/config/schema';
import type { ConfigDb } from '../src/db/config-store';
import { raiseAlert } from '../src/endpoints/alerts';
import { endpointStateRow, pausedWaitingReason, recordEndpointChange, waitingLogIds, type EndpointChange } from '../src/endpoints/endpoint-states';
import type { EndpointJoin } from '../workflows/endpoint-definitions';
import type { DeliveryLogs } from '../src/logstore/delivery-logs';

export interface EndpointActivityDeps {
  config: Config;
  db: ConfigDb;
  logs: DeliveryLogs;
}

/** The side effects of an endpoint's flow workflow (workflows/endpoint-flow.ts). */
export function createEndpointActivities(deps: EndpointActivityDeps) {
  return {
    /**
     * Records a pause or resume (endpoint_states, announced to open dashboards), alerts it once on
     * every configured channel, and gives the deliveries already waiting the pause as their reason.
     */
    async announceEndpointChange(change: EndpointChange & { alertKey: string; waitingLogIds: string[] }): Promise<void> {
      const { alertKey, waitingLogIds, ...recorded } = change;
      await recordEndpointChange(deps.db, recorded);
      await raiseAlert(deps.db, deps.config.alerts, recorded, alertKey);
      if (change.kind === 'paused' && waitingLogIds.length) {
        await deps.logs.markWaiting(waitingLogIds, pausedWaitingReason({ pausedAt: new Date(change.at), pausedBy: change.by, reason: change.reason }));
      }
    },

    /**
     * What a new run of an endpoint's flow workflow starts from: the recorded pause, and the
     * deliveries still waiting for this endpoint (QUEUED with a waiting reason), should an earlier
     * run have ended without letting them through (terminated by hand).
     */
    async recoverEndpointFlow(endpoint: string): Promise<RecoveredFlow> {
      const row = await endpointStateRow(deps.db, endpoint);
      const ids = await waitingLogIds(deps.db, endpoint);
      const refs = await deps.logs.workflowRefs(ids);
      return {
        ...(row?.pausedAt ? { paused: { at: row.pausedAt.toISOString(), by: row.pausedBy ?? 'breaker', reason: row.pausedReason ?? '', breaker: row.pausedBy === 'breaker' } } : {}),
        waiting: refs.map((ref) => ({ workflowId: ref.workflowId, logId: ref.logId, labId: ref.labId, order: ref.activityDate })),
      };
    },

    /** Waiting logs whose reason changed (an ordered key blocked by a failed log). */
    async describeWaiting(change: { logIds: string[]; reason: string }): Promise<void> {
      await deps.logs.markWaiting(change.logIds, change.reason);
    },
  };
}

export interface RecoveredFlow {
  paused?: { at: string; by: string; reason: string; breaker: boolean };
  waiting: EndpointJoin[];
}

export type EndpointActivities = ReturnType<typeof createEndpointActivities>;
